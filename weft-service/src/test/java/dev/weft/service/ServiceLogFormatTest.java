package dev.weft.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.weft.service.cli.WeftCommand;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The log format through the real {@code weft serve} in a child JVM, with the service's own logging setup: the
 * class path without the tests' {@code logback-test.xml}, before which {@link LogConfigurator} steps aside.
 */
class ServiceLogFormatTest {
    private static final ObjectMapper STRICT = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    @TempDir
    Path dir;

    @Test
    void anAccessLineIsEcsWithTheRequestsId() throws Exception {
        int port = ChildServe.freePort();
        Path stderr = dir.resolve("stderr.log");
        Process process = ChildServe.start(dir, Map.of("WEFT_PORT", Integer.toString(port), "WEFT_ACCESS_LOG", "ON"));
        try (HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build()) {
            ChildServe.awaitLive(process, port);
            URI live = URI.create("http://127.0.0.1:" + port + "/health/live");
            HttpResponse<Void> response = http.send(HttpRequest.newBuilder(live)
                    .header("X-Request-Id", "logs-test-42").build(), HttpResponse.BodyHandlers.discarding());
            assertThat(response.statusCode()).isEqualTo(200);

            JsonNode line = await().atMost(Duration.ofSeconds(10)).until(() -> accessLine(stderr, "logs-test-42"),
                    Optional::isPresent).orElseThrow();

            assertThat(Instant.parse(line.path("@timestamp").asText())).isBefore(Instant.now().plusSeconds(1));
            assertThat(line.path("log.level").asText()).isEqualTo("INFO");
            assertThat(line.path("log.logger").asText()).isEqualTo(LogConfigurator.ACCESS_LOGGER);
            assertThat(line.path("service.name").asText()).isEqualTo("weft");
            assertThat(line.path("http.request.method").asText()).isEqualTo("GET");
            assertThat(line.path("http.response.status_code").isInt()).isTrue();
            assertThat(line.path("http.response.status_code").intValue()).isEqualTo(200);
            assertThat(line.path("duration_ms").isNumber()).isTrue();
            assertThat(line.has("kvpList") || line.has("mdc") || line.has("throwable")).isFalse();
            // every stderr line is ECS JSON
            for (String each : Files.readAllLines(stderr)) {
                assertThat(STRICT.readTree(each).has("@timestamp")).as(each).isTrue();
            }
        } finally {
            process.destroy();
            if (!process.waitFor(15, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void anUnknownFormatStopsTheStartWithOneLineNamingTheAllowedOnes() throws Exception {
        Path stderr = dir.resolve("stderr.log");
        Process process = ChildServe.start(dir, Map.of("WEFT_PORT", "0", "WEFT_LOG_FORMAT", "xml"));

        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        List<String> lines = Files.readAllLines(stderr);
        assertThat(process.exitValue()).as(String.join("\n", lines)).isEqualTo(WeftCommand.CONFIG);
        assertThat(lines).containsExactly("weft: invalid setting WEFT_LOG_FORMAT='xml': must be ecs (the default; "
                + "json is an alias), logstash or text (invalid_config)");
    }

    private static Optional<JsonNode> accessLine(Path stderr, String requestId) throws IOException {
        for (String line : Files.readString(stderr, StandardCharsets.UTF_8).lines().toList()) {
            JsonNode node = STRICT.readTree(line);
            if (node.path("message").asText().equals("request") && node.path("request_id").asText().equals(requestId)) {
                return Optional.of(node);
            }
        }
        return Optional.empty();
    }
}
