package dev.weft.service.http;

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
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A redis-server of the test's own on a free port in 24000-24999 (this suite's range), persisting nothing, killed
 * with SIGKILL and restartable on its port. Never the shared server on 6379.
 */
final class OwnRedis implements AutoCloseable {
    private final int port;
    private final Path dir;
    private long pid = -1;

    private OwnRedis(int port, Path dir) {
        this.port = port;
        this.dir = dir;
    }

    /** @return a server that is not running yet: {@link #start()} it */
    static OwnRedis onFreePort() {
        try {
            return new OwnRedis(freePort(), Files.createTempDirectory("weft-ratelimit-redis-"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    String url() {
        return "redis://127.0.0.1:" + port;
    }

    /** Starts the server on its port and waits until it answers PING. */
    void start() {
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
    void kill() {
        if (pid < 0) {
            return;
        }
        ProcessHandle.of(pid).ifPresent(process -> {
            process.destroyForcibly();
            process.onExit().orTimeout(10, TimeUnit.SECONDS).join();
        });
        pid = -1;
    }

    private boolean ping() {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 500);
            socket.setSoTimeout(500);
            OutputStream out = socket.getOutputStream();
            out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            byte[] reply = in.readNBytes(7);
            return new String(reply, StandardCharsets.US_ASCII).equals("+PONG\r\n");
        } catch (IOException e) {
            return false;
        }
    }

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

    private static int freePort() {
        for (int attempt = 0; attempt < 50; attempt++) {
            int port = 24_000 + ThreadLocalRandom.current().nextInt(1000);
            try (ServerSocket socket = new ServerSocket(port, 0, InetAddress.getLoopbackAddress())) {
                return socket.getLocalPort();
            } catch (IOException e) {
                // taken: try another
            }
        }
        throw new IllegalStateException("no free port in 24000-24999");
    }
}
