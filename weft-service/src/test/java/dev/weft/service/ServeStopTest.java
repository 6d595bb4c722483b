package dev.weft.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code weft serve} in a child JVM stopped by a signal, as an orchestrator, a supervisor or Ctrl-C stops it: the stop
 * runs whole (its log ends with the stop's last line, each line ECS JSON) and the process exits as every JVM service
 * does after one (Spring Boot, Quarkus, Helidon): 128 + the signal, 143 after SIGTERM and 130 after SIGINT, which
 * systemd units from that world accept with {@code SuccessExitStatus=143}.
 */
class ServeStopTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"TERM", "INT"})
    void aSignalStopsTheServiceWholeAndItExitsAsAJvmDoes(String signal) throws Exception {
        int port = freePort();
        Path stderr = dir.resolve("stderr.log");
        Process process = serve(Map.of("WEFT_PORT", Integer.toString(port)), stderr);
        try (HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build()) {
            URI live = URI.create("http://127.0.0.1:" + port + "/health/live");
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() -> {
                assertThat(process.isAlive()).as("the service is running").isTrue();
                try {
                    return http.send(HttpRequest.newBuilder(live).build(), HttpResponse.BodyHandlers.discarding())
                            .statusCode() == 200;
                } catch (IOException e) {
                    return false;
                }
            });

            assertThat(new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).start().waitFor())
                    .isZero();

            assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("stopped within the grace").isTrue();
            List<String> lines = Files.readAllLines(stderr);
            assertThat(process.exitValue()).as(String.join("\n", lines)).isEqualTo(signal.equals("TERM") ? 143 : 130);
            assertThat(JSON.readTree(lines.getLast()).path("message").asText()).isEqualTo("weft service stopped");
            for (String line : lines) {
                assertThat(JSON.readTree(line).has("@timestamp")).as(line).isTrue();
            }
        } finally {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    private Process serve(Map<String, String> env, Path stderr) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        ProcessBuilder builder = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-Xmx256m", "-cp",
                ServiceClassPath.withoutTestLogging(), "dev.weft.service.Main", "serve")
                .redirectOutput(dir.resolve("stdout.log").toFile()).redirectError(stderr.toFile());
        Map<String, String> environment = builder.environment();
        environment.keySet().removeIf(name -> name.startsWith("DATABASE_") || name.startsWith("WEFT_")
                || name.startsWith("OTEL_") || name.equals("REDIS_URL") || name.equals("PROVIDER_URL"));
        environment.put("WEFT_DATA_DIR", dir.resolve("data").toString());
        environment.putAll(env);
        return builder.start();
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
