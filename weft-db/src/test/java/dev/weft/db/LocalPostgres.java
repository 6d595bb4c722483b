package dev.weft.db;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * A PostgreSQL 15 cluster of a test's own, made with Debian's {@code pg_createcluster} on a free loopback port with
 * trust authentication (host and replication), removed by {@link #close()}. Never the shared 5432 cluster: every
 * name starts with {@link #PREFIX}, and {@link #sweep()} drops leftovers of that prefix only. Needs root.
 */
final class LocalPostgres implements AutoCloseable {
    static final String PREFIX = "weftfo_";
    private static final String VERSION = "15";

    private final String name;
    private final int port;

    private LocalPostgres(String name, int port) {
        this.name = name;
        this.port = port;
    }

    /**
     * Creates (does not start) a cluster.
     *
     * @param label a short label that goes into the cluster's name
     * @param settings extra postgresql.conf lines
     * @return the cluster
     */
    static LocalPostgres create(String label, String... settings) {
        return create(PREFIX, freePort(), label, settings);
    }

    /**
     * Creates (does not start) a cluster with a name prefix and port of the caller's own (a test class that sweeps
     * its own leftovers with {@link #sweep(String)}).
     *
     * @param prefix the name prefix, e.g. {@code weftdf_}
     * @param port the port
     * @param label a short label that goes into the cluster's name
     * @param settings extra postgresql.conf lines
     * @return the cluster
     */
    static LocalPostgres create(String prefix, int port, String label, String... settings) {
        String name = prefix + label + "_" + Long.toString(ThreadLocalRandom.current().nextLong(1L << 30), 36);
        run(Duration.ofSeconds(60), "pg_createcluster", VERSION, name, "-p", Integer.toString(port), "--",
                "--auth=trust");
        LocalPostgres cluster = new LocalPostgres(name, port);
        List<String> lines = new ArrayList<>(List.of("listen_addresses = '127.0.0.1'",
                // a process crash (stop -m immediate) loses nothing the kernel has; fsync only slows the tests
                "fsync = off", "max_connections = 50"));
        lines.addAll(List.of(settings));
        try {
            Files.writeString(cluster.configFile(), "\n" + String.join("\n", lines) + "\n", StandardCharsets.UTF_8,
                    StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return cluster;
    }

    /** Drops every cluster whose name starts with {@link #PREFIX}: leftovers of an earlier, killed run. */
    static void sweep() {
        sweep(PREFIX);
    }

    /** @param prefix drop every cluster whose name starts with it */
    static void sweep(String prefix) {
        String listing = run(Duration.ofSeconds(30), "pg_lsclusters", "-h");
        for (String line : listing.split("\n")) {
            String[] fields = line.trim().split("\\s+");
            if (fields.length >= 2 && fields[1].startsWith(prefix)) {
                run(Duration.ofSeconds(60), "pg_dropcluster", "--stop", fields[0], fields[1]);
            }
        }
    }

    String name() {
        return name;
    }

    int port() {
        return port;
    }

    Path dataDirectory() {
        return Path.of("/var/lib/postgresql", VERSION, name);
    }

    private Path configFile() {
        return Path.of("/etc/postgresql", VERSION, name, "postgresql.conf");
    }

    /** Starts the server and returns once it accepts connections. */
    void start() {
        run(Duration.ofSeconds(60), "pg_ctlcluster", "--skip-systemctl-redirect", VERSION, name, "start");
    }

    /** Kills the server as a crash would ({@code -m immediate}): no checkpoint, clients see their sockets die. */
    void crash() {
        run(Duration.ofSeconds(30), "pg_ctlcluster", "--skip-systemctl-redirect", VERSION, name, "stop", "-m",
                "immediate");
    }

    /** Promotes a standby to a primary; returns once it is promoted. */
    void promote() {
        run(Duration.ofSeconds(30), "pg_ctlcluster", "--skip-systemctl-redirect", VERSION, name, "promote");
    }

    /**
     * Replaces this (stopped) cluster's data with a base backup of {@code primary}, set up as a streaming standby
     * of it ({@code -R} writes {@code standby.signal} and {@code primary_conninfo}).
     *
     * @param primary a running primary with {@code wal_level = replica}
     */
    void becomeStandbyOf(LocalPostgres primary) {
        Path data = dataDirectory();
        run(Duration.ofSeconds(30), "find", data.toString(), "-mindepth", "1", "-delete");
        run(Duration.ofSeconds(60), "runuser", "-u", "postgres", "--", "pg_basebackup", "-h", "127.0.0.1", "-p",
                Integer.toString(primary.port), "-U", "postgres", "-D", data.toString(), "-R", "-X", "stream");
    }

    /**
     * @param memberName the Database name
     * @param acquireTimeout the pool's acquire timeout
     * @return a config for database {@code postgres} as user {@code postgres}
     */
    DatabaseConfig config(String memberName, Duration acquireTimeout) {
        return DatabaseConfig.builder(DatabaseType.POSTGRESQL).name(memberName).host("127.0.0.1").port(port)
                .database("postgres").username("postgres").poolSize(4).acquireTimeout(acquireTimeout)
                .connectTimeout(Duration.ofSeconds(1)).statementTimeout(Duration.ofSeconds(5)).build();
    }

    /** Stops and drops the cluster. */
    @Override
    public void close() {
        run(Duration.ofSeconds(60), "pg_dropcluster", "--stop", VERSION, name);
    }

    @Override
    public String toString() {
        return name + "@" + port;
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String run(Duration timeout, String... command) {
        Path output = null;
        try {
            // output to a file, not a pipe: a server started by the command may keep an inherited pipe open
            output = Files.createTempFile("weftfo-cmd", ".txt");
            Process process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(output.toFile()).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .start();
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException("timed out: " + String.join(" ", command));
            }
            String text = Files.readString(output, StandardCharsets.UTF_8);
            if (process.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " exited with " + process.exitValue()
                        + ": " + text.strip());
            }
            return text;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted: " + String.join(" ", command), e);
        } finally {
            if (output != null) {
                try {
                    Files.deleteIfExists(output);
                } catch (IOException ignored) {
                    // a temp file; nothing to do
                }
            }
        }
    }
}
