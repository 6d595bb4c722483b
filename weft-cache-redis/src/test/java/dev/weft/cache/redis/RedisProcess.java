package dev.weft.cache.redis;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A redis-server of the test's own, on a free loopback port, persisting nothing. Killed with SIGKILL (never the
 * shared server on 6379), hung with SIGSTOP and restartable on the same port, for outage tests. Other modules' tests
 * use it through weft-cache-redis's test-jar. Not thread-safe: one test drives it.
 */
public final class RedisProcess implements AutoCloseable {
    private final int port;
    private final Path dir;
    private long pid = -1;

    private RedisProcess(int port, Path dir) {
        this.port = port;
        this.dir = dir;
    }

    /** @return a started server; close it when done */
    public static RedisProcess start() {
        try {
            RedisProcess redis = new RedisProcess(freePort(), Files.createTempDirectory("weft-cache-redis-"));
            redis.restart();
            return redis;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * @param firstPort the first port to try; the next free one of the 100 from there is used (a helper's own range)
     * @return a started server; close it when done
     */
    public static RedisProcess startInRange(int firstPort) {
        RedisProcess redis = stoppedInRange(firstPort);
        redis.restart();
        return redis;
    }

    /**
     * For a Redis that is down from the start: the port is free when chosen, and {@link #restart()} starts the server.
     *
     * @param firstPort the first port to try; the next free one of the 100 from there is used (a helper's own range)
     * @return a server that is not running yet; close it when done
     */
    public static RedisProcess stoppedInRange(int firstPort) {
        for (int port = firstPort; port < firstPort + 100; port++) {
            try (ServerSocket probe = new ServerSocket(port, 0, InetAddress.getLoopbackAddress())) {
                probe.close();
                return new RedisProcess(port, Files.createTempDirectory("weft-cache-redis-"));
            } catch (IOException e) {
                // taken: try the next one
            }
        }
        throw new IllegalStateException("no free port in " + firstPort + "-" + (firstPort + 99));
    }

    /** Hangs the server with SIGSTOP: connections stay open, nothing is answered. */
    public void pause() {
        signal("-STOP");
    }

    /** Lets a paused server go on (SIGCONT). */
    public void resume() {
        signal("-CONT");
    }

    private void signal(String signal) {
        try {
            Process kill = new ProcessBuilder("kill", signal, Long.toString(pid)).inheritIO().start();
            if (!kill.waitFor(5, TimeUnit.SECONDS) || kill.exitValue() != 0) {
                throw new IllegalStateException("kill " + signal + " " + pid + " failed");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public int port() {
        return port;
    }

    public String url() {
        return "redis://127.0.0.1:" + port + "/0";
    }

    /** Starts the server (again) on its port and waits until it answers PING. */
    public void restart() {
        Path pidFile = dir.resolve("redis.pid");
        try {
            Files.deleteIfExists(pidFile);
            Process launcher = new ProcessBuilder("redis-server", "--port", Integer.toString(port),
                    "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "yes",
                    "--pidfile", pidFile.toString(), "--dir", dir.toString(),
                    "--logfile", dir.resolve("redis.log").toString())
                    .redirectErrorStream(true).redirectOutput(dir.resolve("launch.log").toFile()).start();
            if (!launcher.waitFor(10, TimeUnit.SECONDS) || launcher.exitValue() != 0) {
                throw new IllegalStateException("redis-server did not start on port " + port);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        await("redis-server on port " + port + " answers PING").atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(20)).until(() -> Files.exists(pidFile) && ping());
        try {
            pid = Long.parseLong(Files.readString(pidFile).trim());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Kills the server with SIGKILL and waits until the process is gone. */
    public void kill() {
        if (pid < 0) {
            return;
        }
        try {
            signal("-CONT"); // SIGKILL works on a stopped process too; this only keeps its state plain
        } catch (IllegalStateException e) {
            // already gone
        }
        ProcessHandle.of(pid).ifPresent(process -> {
            process.destroyForcibly();
            process.onExit().orTimeout(10, TimeUnit.SECONDS).join();
        });
        pid = -1;
    }

    /** @return whether the server answers PING now */
    public boolean ping() {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 500);
            socket.setSoTimeout(500);
            OutputStream out = socket.getOutputStream();
            out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            byte[] reply = new byte[7];
            int read = in.readNBytes(reply, 0, 7);
            return read == 7 && new String(reply, StandardCharsets.US_ASCII).equals("+PONG\r\n");
        } catch (IOException e) {
            return false;
        }
    }

    /** Kills the server and removes its directory. */
    @Override
    public void close() {
        try {
            kill();
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            } catch (IOException e) {
                // a leftover temp directory is harmless
            }
        }
    }

    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 0, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
