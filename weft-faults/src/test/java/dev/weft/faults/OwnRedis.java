package dev.weft.faults;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A redis-server of the scenario's own, on its own port, nothing persisted: {@link #kill()} ({@code kill -9}),
 * {@link #pause()}/{@link #resume()} ({@code SIGSTOP}/{@code SIGCONT}: a hung Redis whose sockets stay open), and
 * {@link #start()} again on the same port.
 */
final class OwnRedis implements AutoCloseable {
    private final int port;
    private final Path pidFile;

    private OwnRedis(int port, Path pidFile) {
        this.port = port;
        this.pidFile = pidFile;
    }

    /**
     * @param dir where the pid file goes
     * @return a running server
     */
    static OwnRedis start(Path dir) {
        OwnRedis redis = new OwnRedis(ServiceProcess.freePort(), dir.resolve("redis.pid"));
        redis.start();
        return redis;
    }

    /** Starts the server (again) and waits until it answers PING. */
    void start() {
        Commands.run(30, "redis-server", "--port", Integer.toString(port), "--bind", "127.0.0.1", "--save", "",
                "--appendonly", "no", "--daemonize", "yes", "--pidfile", pidFile.toString(), "--logfile",
                pidFile.resolveSibling("redis-" + port + ".log").toString());
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!ping()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("redis on " + port + " does not answer");
            }
            Commands.sleep(50);
        }
    }

    /** @return whether it answers PING within 1 s */
    boolean ping() {
        Commands.Result result = Commands.tryRun(2, "redis-cli", "-p", Integer.toString(port), "ping");
        return result.exitCode() == 0 && result.output().trim().equals("PONG");
    }

    /** @return {@code REDIS_URL} for the service */
    String url() {
        return "redis://127.0.0.1:" + port;
    }

    /** {@code kill -9}. */
    void kill() {
        long pid = pid();
        Signals.send("KILL", pid);
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false) && System.nanoTime() < deadline) {
            Commands.sleep(20);
        }
    }

    /** {@code SIGSTOP}. */
    void pause() {
        Signals.send("STOP", pid());
    }

    /** {@code SIGCONT}. */
    void resume() {
        Signals.send("CONT", pid());
    }

    private long pid() {
        try {
            return Long.parseLong(Files.readString(pidFile).trim());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        if (Files.exists(pidFile)) {
            try {
                long pid = pid();
                Commands.tryRun(5, "kill", "-s", "CONT", Long.toString(pid));
                Commands.tryRun(5, "kill", "-s", "KILL", Long.toString(pid));
            } catch (RuntimeException e) {
                // already gone
            }
        }
    }
}
