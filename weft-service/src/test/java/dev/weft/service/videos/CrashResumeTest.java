package dev.weft.service.videos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.weft.service.TestService;
import dev.weft.service.provider.ProviderServer;
import dev.weft.service.provider.ProviderServerConfig;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 of a real service process while its worker polls the provider, then a restart on the same data: the job
 * completes, the provider was asked to process it once (one process call and one job for its idempotency key), and
 * its usage is logged once. The service runs as a child {@code java} process ({@link ChildService}); the provider is
 * a {@link ProviderServer} in the test JVM.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class CrashResumeTest {
    static final String ADMIN_KEY = "crash-admin-key-0123456789abcdef";
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @TempDir
    Path dir;

    @Test
    void aJobInterruptedByKillNineCompletesOnceAfterRestart() throws Exception {
        try (ProviderServer provider = ProviderServer.start(ProviderServerConfig.defaults()
                .withJobTime(Duration.ofSeconds(4)))) {
            int port = ChildService.freePort();
            Map<String, String> env = Map.of("WEFT_ADMIN_KEY", ADMIN_KEY, "WEFT_WORKERS", "2",
                    "PROVIDER_URL", provider.url(), "WEFT_JOBS_LEASE_MS", "2000", "WEFT_JOBS_POLL_MS", "100",
                    "WEFT_JOBS_IDLE_POLL_MS", "200");
            String videoId;
            String key;
            ChildService first = ChildService.start(port, dir.resolve("data"), dir.resolve("first.log"), "256m", env);
            try {
                JsonNode user = call(port, "POST", "/users", ADMIN_KEY,
                        "{\"email\":\"crash@example.com\",\"username\":\"crash_user\"}");
                key = user.path("api_key").asText();
                videoId = upload(port, key, "frames".getBytes(StandardCharsets.UTF_8));
                await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50))
                        .until(() -> !call(port, "GET", "/videos/" + videoId, key, null)
                                .path("external_job_id").isNull());
                assertThat(call(port, "GET", "/videos/" + videoId, key, null).path("status").asText())
                        .isEqualTo("processing");
            } finally {
                first.kill();
            }

            try (ChildService second = ChildService.start(port, dir.resolve("data"), dir.resolve("second.log"),
                    "256m", env)) {
                await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                        .until(() -> call(second.port, "GET", "/videos/" + videoId, key, null).path("status")
                                .asText().equals("completed"));

                JsonNode video = call(second.port, "GET", "/videos/" + videoId, key, null);
                String jobKey = video.path("job_id").asText() + ":process";
                @SuppressWarnings("unchecked")
                Map<String, Long> created = (Map<String, Long>) provider.stats().get("jobs_created");
                assertThat(provider.processCalls(jobKey)).isEqualTo(1);
                assertThat(created).containsEntry(jobKey, 1L);
                assertThat(call(port, "GET", "/usage", key, null).path("total").asLong()).isEqualTo(1);
                assertThat(video.path("result_url").asText()).startsWith(provider.url());
            }
        }
    }

    static JsonNode call(int port, String method, String path, String key, @Nullable String json)
            throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10)).header("X-API-Key", key)
                .method(method, json == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(json));
        if (json != null) {
            request.header("Content-Type", "application/json");
        }
        HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() >= 300) {
            throw new IllegalStateException(method + " " + path + ": " + response.statusCode() + " " + response.body());
        }
        return MAPPER.readTree(response.body());
    }

    static String upload(int port, String key, byte[] content) throws IOException, InterruptedException {
        TestService.Form form = new TestService.Form().file("video", "crash.mp4", content);
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + port + "/process-video"))
                .header("X-API-Key", key).header("Content-Type", "multipart/form-data; boundary=" + form.boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(form.bytes())).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
        return MAPPER.readTree(response.body()).path("video_id").asText();
    }
}
