package dev.weft.faults;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A PostgreSQL cluster of the scenario's own ({@code pg_createcluster}, trust auth, on its own port), which the
 * scenario may crash ({@code stop -m immediate}) and start again without touching the shared server on 5432. Its
 * name starts with {@link #PREFIX}; {@link #sweep(String)} drops leftovers of an earlier run that died.
 */
final class OwnPostgres implements AutoCloseable {
    static final String PREFIX = "weftfaults";
    private static final Pattern SAFE_NAME = Pattern.compile("[a-z0-9_]{1,40}");

    private final String version;
    private final String name;
    private final int port;

    private OwnPostgres(String version, String name, int port) {
        this.version = version;
        this.name = name;
        this.port = port;
    }

    /**
     * Creates and starts a cluster with a database {@code weft}.
     *
     * @param suffix the cluster's name after {@link #PREFIX}
     * @param settings {@code postgresql.conf} settings, e.g. {@code wal_level=replica}
     * @return the running cluster
     */
    static OwnPostgres create(String suffix, Map<String, String> settings) {
        String name = PREFIX + "_" + suffix;
        if (!SAFE_NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("cluster name " + name);
        }
        String version = version();
        int port = ServiceProcess.freePort();
        Commands.tryRun(60, "pg_dropcluster", "--stop", version, name);
        Commands.run(120, "pg_createcluster", version, name, "-p", Integer.toString(port), "--",
                "--auth=trust");
        OwnPostgres cluster = new OwnPostgres(version, name, port);
        try {
            StringBuilder conf = new StringBuilder("\n# weft-faults\nfsync = off\nlisten_addresses = '127.0.0.1'\n");
            settings.forEach((key, value) -> conf.append(key).append(" = ").append(value).append('\n'));
            Files.writeString(cluster.confFile(), conf.toString(), java.nio.file.StandardOpenOption.APPEND);
            cluster.start();
            Commands.run(30, "psql", "-h", "127.0.0.1", "-p", Integer.toString(port), "-U", "postgres", "-q", "-c",
                    "CREATE DATABASE weft");
        } catch (java.io.IOException | RuntimeException e) {
            cluster.close();
            throw new IllegalStateException("creating cluster " + name, e);
        }
        return cluster;
    }

    /**
     * Drops the clusters of this suite whose names start with {@code PREFIX_suffixPrefix} that an earlier run left
     * behind ({@link #create} also drops a leftover of its own name first).
     *
     * @param suffixPrefix the start of the suffixes to drop, e.g. a scenario's name
     */
    static void sweep(String suffixPrefix) {
        String version = version();
        try (var clusters = Files.list(Path.of("/etc/postgresql", version))) {
            clusters.map(path -> path.getFileName().toString())
                    .filter(name -> name.startsWith(PREFIX + "_" + suffixPrefix))
                    .forEach(name -> Commands.tryRun(60, "pg_dropcluster", "--stop", version, name));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * Creates a streaming standby of {@code primary} ({@code pg_basebackup -R -X stream} into a cluster of its own,
     * on its own port) and starts it. The primary needs {@code wal_level = replica} (PostgreSQL 15's default);
     * replication is asynchronous until the primary names it in {@code synchronous_standby_names}
     * ({@link #requireSynchronousStandby()}).
     *
     * @param primary the running primary
     * @param suffix the standby's name after {@link #PREFIX}
     * @return the running standby (read-only until {@link #promote()})
     */
    static OwnPostgres standbyOf(OwnPostgres primary, String suffix) {
        String name = PREFIX + "_" + suffix;
        if (!SAFE_NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("cluster name " + name);
        }
        int port = ServiceProcess.freePort();
        Commands.tryRun(60, "pg_dropcluster", "--stop", primary.version, name);
        Commands.run(120, "pg_createcluster", primary.version, name, "-p", Integer.toString(port), "--",
                "--auth=trust");
        OwnPostgres standby = new OwnPostgres(primary.version, name, port);
        try {
            String data = standby.dataDirectory().toString();
            Commands.run(30, "rm", "-rf", data);
            Commands.run(120, "pg_basebackup", "-h", "127.0.0.1", "-p", Integer.toString(primary.port), "-U",
                    "postgres", "-D", data, "-R", "-X", "stream", "-c", "fast");
            Commands.run(30, "chown", "-R", "postgres:postgres", data);
            Commands.run(30, "chmod", "700", data);
            Files.writeString(standby.confFile(), "\n# weft-faults\nfsync = off\nlisten_addresses = '127.0.0.1'\n",
                    java.nio.file.StandardOpenOption.APPEND);
            standby.start();
        } catch (java.io.IOException | RuntimeException e) {
            standby.close();
            throw new IllegalStateException("creating standby " + name, e);
        }
        return standby;
    }

    /**
     * Makes every commit on this primary wait for a standby's flush ({@code synchronous_standby_names = '*'}), and
     * waits until a standby streams synchronously: from then on an acknowledged commit survives the primary's loss.
     */
    void requireSynchronousStandby() {
        psql("ALTER SYSTEM SET synchronous_standby_names = '*'");
        psql("SELECT pg_reload_conf()");
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (!psql("SELECT count(*) FROM pg_stat_replication WHERE sync_state = 'sync'").equals("1")) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(name + " has no synchronous standby: "
                        + psql("SELECT application_name, state, sync_state FROM pg_stat_replication"));
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    /** Promotes a standby ({@code pg_ctlcluster promote}, which waits until it takes writes). */
    void promote() {
        Commands.run(60, "pg_ctlcluster", "--skip-systemctl-redirect", version, name, "promote");
    }

    /**
     * @param sql one statement, run on database {@code weft} with {@code psql}
     * @return its output, unaligned and without headers, trimmed
     */
    String psql(String sql) {
        return Commands.run(30, "psql", "-h", "127.0.0.1", "-p", Integer.toString(port), "-U", "postgres", "-d",
                "weft", "-qtAX", "-c", sql).trim();
    }

    private Path dataDirectory() {
        return Path.of("/var/lib/postgresql", version, name);
    }

    private static String version() {
        try (var versions = Files.list(Path.of("/etc/postgresql"))) {
            return versions.map(path -> path.getFileName().toString()).sorted().findFirst().orElseThrow();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private Path confFile() {
        return Path.of("/etc/postgresql", version, name, "postgresql.conf");
    }

    /** @return the port */
    int port() {
        return port;
    }

    /** @return {@code DATABASE_URL} for the service */
    String databaseUrl() {
        return "postgresql://postgres@127.0.0.1:" + port + "/weft";
    }

    /** @return a JDBC URL for the scenario's own checks */
    String jdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + port + "/weft?user=postgres";
    }

    /** Starts the cluster (after {@link #crash()}, recovery takes a few seconds). */
    void start() {
        Commands.run(60, "pg_ctlcluster", "--skip-systemctl-redirect", version, name, "start");
    }

    /** A crash: {@code stop -m immediate}, no shutdown checkpoint, clients cut off. */
    void crash() {
        Commands.run(60, "pg_ctlcluster", "--skip-systemctl-redirect", version, name, "stop", "-m", "immediate");
    }

    @Override
    public void close() {
        Commands.tryRun(60, "pg_dropcluster", "--stop", version, name);
    }
}
