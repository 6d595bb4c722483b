package dev.weft.faults;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A MariaDB server of the scenario's own ({@code mariadb-install-db} into the scenario's directory, then
 * {@code mariadbd} as a child process on its own port and socket, {@code --skip-grant-tables}), with a database
 * {@code weft}: {@link #crash()} is {@code kill -9}, {@link #start()} starts it again on the same data (InnoDB
 * recovers). The shared server on 3306 is never touched.
 */
final class OwnMariaDb implements AutoCloseable {
    private final Path dir;
    private final int port;
    private Process process;

    private OwnMariaDb(Path dir, int port) {
        this.dir = dir;
        this.port = port;
    }

    /**
     * @param dir a directory of the scenario's (data, socket and log go under it)
     * @return the running server with an empty database {@code weft}
     */
    static OwnMariaDb create(Path dir) {
        OwnMariaDb server = new OwnMariaDb(dir, ServiceProcess.freePort());
        Commands.run(120, "mariadb-install-db", "--no-defaults", "--datadir=" + dir.resolve("data"), "--user=root",
                "--auth-root-authentication-method=normal", "--skip-test-db");
        server.start();
        Commands.run(30, "mariadb", "-h", "127.0.0.1", "-P", Integer.toString(server.port), "-u", "root", "-e",
                "CREATE DATABASE weft CHARACTER SET utf8mb4");
        return server;
    }

    /** Starts the server and waits (up to 60 s) until it takes connections. */
    void start() {
        try {
            process = new ProcessBuilder(List.of("mariadbd", "--no-defaults", "--datadir=" + dir.resolve("data"),
                    "--port=" + port, "--bind-address=127.0.0.1", "--socket=" + dir.resolve("mariadb.sock"),
                    "--pid-file=" + dir.resolve("mariadb.pid"), "--skip-grant-tables", "--user=root",
                    "--innodb-flush-log-at-trx-commit=1", "--skip-log-bin"))
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(
                            dir.resolve("mariadb.log").toFile())).start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (Commands.tryRun(5, "mariadb-admin", "-h", "127.0.0.1", "-P", Integer.toString(port), "-u", "root",
                "ping").exitCode() != 0 || !accepts()) {
            if (System.nanoTime() > deadline || !process.isAlive()) {
                throw new IllegalStateException("mariadbd on " + port + " does not start, see " + dir);
            }
            Commands.sleep(100);
        }
    }

    private boolean accepts() {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 1_000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** {@code kill -9}: no shutdown, clients cut off. */
    void crash() {
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** @return {@code DATABASE_URL} for the service */
    String databaseUrl() {
        return "mariadb://root@127.0.0.1:" + port + "/weft";
    }

    /** @return a JDBC URL for the scenario's own checks */
    String jdbcUrl() {
        return "jdbc:mariadb://127.0.0.1:" + port + "/weft?user=root";
    }

    @Override
    public void close() {
        if (process != null) {
            crash();
        }
    }
}
