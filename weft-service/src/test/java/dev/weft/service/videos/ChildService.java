package dev.weft.service.videos;

import static org.awaitility.Awaitility.await;

import dev.weft.service.ServiceClassPath;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code weft serve} as a child {@code java} process from the test's class path (SQLite under a data directory),
 * its output in a log file. {@link #kill()} is {@code kill -9}; {@link #close()} a SIGTERM with a bounded wait.
 */
final class ChildService implements AutoCloseable {
    final int port;
    private final Process process;

    private ChildService(int port, Process process) {
        this.port = port;
        this.process = process;
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    /**
     * Starts the service and waits until {@code /health/live} answers.
     *
     * @param port the port
     * @param dataDir the data directory
     * @param log where stdout and stderr go
     * @param heap the -Xmx value, e.g. {@code 256m}
     * @param env extra environment variables
     * @return the running service
     */
    static ChildService start(int port, Path dataDir, Path log, String heap, Map<String, String> env)
            throws IOException {
        return start(port, dataDir, log, heap, env, List.of(), false);
    }

    /**
     * As {@link #start(int, Path, Path, String, Map)} with more JVM options, and optionally the service's own
     * logging (JSON lines by {@code LogConfigurator}) instead of the tests' {@code logback-test.xml} text lines.
     *
     * @param jvmOptions options before the main class, e.g. {@code -Xlog:class+load=info}
     * @param serviceLogging whether to leave the test classes (and their {@code logback-test.xml}) off the class
     *     path, so the child logs as {@code weft serve} does
     */
    static ChildService start(int port, Path dataDir, Path log, String heap, Map<String, String> env,
            List<String> jvmOptions, boolean serviceLogging) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = new ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED", "-Xmx" + heap));
        command.addAll(jvmOptions);
        String classPath = System.getProperty("java.class.path");
        if (serviceLogging) {
            classPath = ServiceClassPath.withoutTestLogging();
        }
        command.addAll(List.of("-cp", classPath, "dev.weft.service.Main", "serve"));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        Map<String, String> environment = builder.environment();
        environment.keySet().removeIf(name -> name.startsWith("DATABASE_") || name.startsWith("WEFT_")
                || name.equals("REDIS_URL") || name.equals("PROVIDER_URL") || name.startsWith("OTEL_"));
        environment.put("WEFT_PORT", Integer.toString(port));
        environment.put("WEFT_DATA_DIR", dataDir.toString());
        environment.putAll(env);
        ChildService child = new ChildService(port, builder.start());
        child.awaitLive();
        return child;
    }

    private void awaitLive() {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        await().atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofMillis(100)).until(() -> {
            if (!process.isAlive()) {
                throw new IllegalStateException("the service exited with " + process.exitValue());
            }
            try {
                return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health/live"))
                        .build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
            } catch (IOException e) {
                return false;
            }
        });
    }

    /** kill -9. */
    void kill() throws InterruptedException {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(15, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
