package dev.weft.service.videos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.weft.service.TestService;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 of a real service process while its webhook deliveries are in flight (a receiver holds every request),
 * then a restart on the same data: every status change of every job reaches its {@code callback_url}, at least once.
 */
@Timeout(value = 150, unit = TimeUnit.SECONDS)
class WebhookCrashTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private static final List<String> STATUSES = List.of("queued", "uploading", "processing", "completed");

    @TempDir
    Path dir;

    @Test
    void deliveriesInFlightAtKillNineArriveAfterRestart() throws Exception {
        AtomicBoolean holding = new AtomicBoolean(true);
        CountDownLatch released = new CountDownLatch(1);
        AtomicInteger held = new AtomicInteger();
        Set<String> delivered = ConcurrentHashMap.newKeySet();
        HttpServer receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        receiver.createContext("/", exchange -> {
            try {
                JsonNode body = MAPPER.readTree(exchange.getRequestBody().readAllBytes());
                if (holding.get()) {
                    held.incrementAndGet();
                    released.await(20, TimeUnit.SECONDS); // the sender gives up after 2 s; the kill comes first
                    exchange.sendResponseHeaders(503, -1);
                    return;
                }
                delivered.add(exchange.getRequestURI().getPath() + " " + body.path("type").asText());
                exchange.sendResponseHeaders(200, -1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (IOException e) {
                // the killed service's connection
            } finally {
                exchange.close();
            }
        });
        receiver.start();
        String base = "http://127.0.0.1:" + receiver.getAddress().getPort();
        int port = ChildService.freePort();
        Map<String, String> env = Map.of("WEFT_ADMIN_KEY", CrashResumeTest.ADMIN_KEY, "WEFT_WORKERS", "2",
                "WEFT_LOCAL_PROVIDER_MS", "300", "WEFT_WEBHOOKS_ALLOW_HTTP_LOOPBACK", "true",
                "WEFT_WEBHOOKS_TIMEOUT_MS", "2000", "WEFT_JOBS_LEASE_MS", "2000", "WEFT_JOBS_POLL_MS", "100",
                "WEFT_JOBS_IDLE_POLL_MS", "200");
        List<String> paths = new ArrayList<>();
        try {
            ChildService first = ChildService.start(port, dir.resolve("data"), dir.resolve("first.log"), "256m", env);
            String key;
            try {
                JsonNode user = CrashResumeTest.call(port, "POST", "/users", CrashResumeTest.ADMIN_KEY,
                        "{\"email\":\"hooks@example.com\",\"username\":\"hooks_user\"}");
                key = user.path("api_key").asText();
                for (int i = 0; i < 3; i++) {
                    paths.add("/cb/" + i);
                    upload(port, key, base + "/cb/" + i);
                }
                await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(20))
                        .until(() -> held.get() > 0);
            } finally {
                first.kill();
            }
            holding.set(false);
            released.countDown();

            try (ChildService second = ChildService.start(port, dir.resolve("data"), dir.resolve("second.log"),
                    "256m", env)) {
                await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200)).until(() -> paths
                        .stream().allMatch(path -> STATUSES.stream()
                                .allMatch(status -> delivered.contains(path + " video." + status))));

                assertThat(held.get()).isPositive();
                for (String path : paths) {
                    for (String status : STATUSES) {
                        assertThat(delivered).contains(path + " video." + status);
                    }
                }
            }
        } finally {
            released.countDown();
            receiver.stop(0);
        }
    }

    private static void upload(int port, String key, String callbackUrl) throws IOException, InterruptedException {
        TestService.Form form = new TestService.Form().file("video", "hook.mp4",
                "frames".getBytes(StandardCharsets.UTF_8)).field("callback_url", callbackUrl);
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + port + "/process-video"))
                .header("X-API-Key", key).header("Content-Type", "multipart/form-data; boundary=" + form.boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(form.bytes())).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
        assertThat(MAPPER.readTree(response.body()).path("callback_secret").asText()).startsWith("whsec_");
    }
}
