package dev.weft.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * {@code weft serve} through the real command in a child JVM that logs as the real one does
 * ({@link ServiceClassPath}): the parent's database, Redis, provider, weft and OpenTelemetry variables removed, its
 * stdout and stderr in {@code stdout.log} and {@code stderr.log} of the test's directory.
 */
final class ChildServe {
    private ChildServe() {
    }

    /**
     * @param dir the test's directory: the logs, and the data directory {@code data} unless {@code env} names one
     * @param env the variables to set
     * @return the running process
     * @throws IOException if it cannot start
     */
    static Process start(Path dir, Map<String, String> env) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        ProcessBuilder builder = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-Xmx256m", "-cp",
                ServiceClassPath.withoutTestLogging(), "dev.weft.service.Main", "serve")
                .redirectOutput(dir.resolve("stdout.log").toFile()).redirectError(dir.resolve("stderr.log").toFile());
        Map<String, String> environment = builder.environment();
        environment.keySet().removeIf(name -> name.startsWith("DATABASE_") || name.startsWith("WEFT_")
                || name.startsWith("OTEL_") || name.equals("REDIS_URL") || name.equals("PROVIDER_URL"));
        environment.put("WEFT_DATA_DIR", dir.resolve("data").toString());
        environment.putAll(env);
        return builder.start();
    }

    /**
     * Waits up to 60 s for {@code /health/live} to answer 200, failing as soon as the process has ended.
     *
     * @param process the child
     * @param port its port
     */
    static void awaitLive(Process process, int port) {
        URI live = URI.create("http://127.0.0.1:" + port + "/health/live");
        try (HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build()) {
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() -> {
                assertThat(process.isAlive()).as("the service is running").isTrue();
                try {
                    return http.send(HttpRequest.newBuilder(live).build(), HttpResponse.BodyHandlers.discarding())
                            .statusCode() == 200;
                } catch (IOException e) {
                    return false;
                }
            });
        }
    }

    /** @return a loopback port free a moment ago */
    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
