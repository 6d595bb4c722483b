package dev.weft.service.videos;

import static dev.weft.service.TestService.assertProblem;
import static dev.weft.service.TestService.unique;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.weft.service.ServiceConfig;
import dev.weft.service.TestBackends;
import dev.weft.service.TestService.Form;
import dev.weft.service.TestService.Response;
import dev.weft.service.TestService;
import dev.weft.service.jobs.JobState;
import dev.weft.service.jobs.JobsConfig;
import dev.weft.service.provider.LocalProvider;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * API.md's videos and model-usage endpoints and the API-client operations endpoints, through HTTP, on one database
 * (each subclass names it), with the local provider finishing a job in 1.5 s.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
abstract class VideosEndpointContract {
    static final int MAX_UPLOAD = 64 * 1024;
    TestService service;

    abstract TestBackends backend();

    /** @param config the test's config @return it, changed by a subclass (e.g. with Redis) */
    ServiceConfig tweak(ServiceConfig config) {
        return config;
    }

    @BeforeAll
    void start() {
        JobsConfig jobs = JobsConfig.defaults().withWorkers(2).withLease(Duration.ofSeconds(5))
                .withPolling(Duration.ofMillis(100), Duration.ofMillis(200))
                .withRetries(3, Duration.ofMillis(100), Duration.ofMillis(500));
        service = new TestService(backend(), config -> config.withMaxUpload(MAX_UPLOAD)
                .withRedisUrl(tweak(config).redisUrl())
                .withWebhooks(dev.weft.service.webhooks.WebhooksConfig.defaults().withAllowHttpLoopback(true)),
                () -> LocalProvider.create(Duration.ofMillis(1500), Clock.systemUTC()), jobs);
    }

    @AfterAll
    void stop() {
        if (service != null) {
            service.close();
        }
    }

    static Form video(String content) {
        return new Form().file("video", "clip.mp4", content.getBytes(StandardCharsets.UTF_8));
    }

    String userKey() {
        return service.createUser(unique("v")).path("api_key").asText();
    }

    JsonNode awaitStatus(String videoId, String key, String status) {
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                .until(() -> service.get("/videos/" + videoId, key).json().path("status").asText().equals(status));
        return service.get("/videos/" + videoId, key).json();
    }

    @Test
    void processesAnUploadToCompletionAndLogsItsUsage() {
        String key = userKey();

        Response accepted = service.upload(key, video("frames...").field("options", "{\"model\":\"m-test\"}"));

        assertThat(accepted.status()).as(accepted.text()).isEqualTo(202);
        JsonNode body = accepted.json();
        String videoId = body.path("video_id").asText();
        assertThat(body.path("status").asText()).isEqualTo("queued");
        assertThat(body.path("job_id").asText()).startsWith("job_");
        assertThat(accepted.header("Location")).isEqualTo("/videos/" + videoId);
        JsonNode done = awaitStatus(videoId, key, "completed");
        assertThat(done.path("result_url").asText()).startsWith("local://results/");
        assertThat(done.path("external_job_id").asText()).startsWith("lp-");
        assertThat(done.path("options").path("model").asText()).isEqualTo("m-test");
        assertThat(done.path("filename").asText()).isEqualTo("clip.mp4");
        assertThat(done.path("size_bytes").asLong()).isEqualTo(9);
        assertThat(done.has("storage_path")).isFalse();
        JsonNode usage = service.get("/usage", key).json();
        assertThat(usage.path("total").asLong()).isEqualTo(1);
        assertThat(usage.path("items").get(0).path("model_type").asText()).isEqualTo("m-test");
        assertThat(usage.path("items").get(0).path("video_id").asText()).isEqualTo(videoId);
        JsonNode stats = service.get("/usage/stats?days=30", key).json();
        assertThat(stats.path("items").get(0).path("count").asLong()).isEqualTo(1);
        assertThat(stats.path("items").get(0).path("avg_processing_ms").asDouble()).isPositive();
        JsonNode daily = service.get("/usage/daily?days=7", key).json();
        assertThat(daily.path("items").get(0).path("total_processing_ms").asLong()).isPositive();
        JsonNode videoStats = service.get("/videos/stats", key).json();
        assertThat(videoStats.path("total").asLong()).isEqualTo(1);
        assertThat(videoStats.path("by_status").path("completed").asLong()).isEqualTo(1);
    }

    @Test
    void deletingAUserDeletesItsUploadFilesWithItsRows() {
        JsonNode user = service.createUser(unique("del"));
        String key = user.path("api_key").asText();
        String videoId = service.upload(key, video("to be deleted")).json().path("video_id").asText();
        Path stored = Path.of(service.service.context().database().query(
                "SELECT storage_path FROM videos WHERE video_id = :id", java.util.Map.of("id", videoId))
                .one(String.class));
        assertThat(stored).exists();

        Response deleted = service.call("DELETE", "/users/" + user.path("id").asLong(), TestService.ADMIN_KEY, null);

        assertThat(deleted.status()).as(deleted.text()).isEqualTo(204);
        assertThat(stored).doesNotExist();
        assertThat(service.get("/videos/" + videoId, TestService.ADMIN_KEY).status()).isEqualTo(404);
    }

    @Test
    void cacheStatsIncludeTheVideoStatusCache() {
        String key = userKey();
        String videoId = service.upload(key, video("cached")).json().path("video_id").asText();
        service.get("/videos/" + videoId, key);

        JsonNode stats = service.get("/cache/stats", TestService.ADMIN_KEY).json().path("caches");

        assertThat(stats.has("weft-videos")).as(stats.toString()).isTrue();
        assertThat(stats.path("weft-videos").elements().next().has("hit_rate")).isTrue();
    }

    @Test
    void anotherUsersVideoIsA404AndTheAdminSeesIt() {
        String owner = userKey();
        String other = userKey();
        String videoId = service.upload(owner, video("abc")).json().path("video_id").asText();

        assertProblem(service.get("/videos/" + videoId, other), 404, "not_found");
        assertProblem(service.call("POST", "/videos/" + videoId + "/cancel", other, null), 404, "not_found");
        assertThat(service.get("/videos", other).json().path("total").asLong()).isZero();
        assertThat(service.get("/videos/" + videoId, TestService.ADMIN_KEY).status()).isEqualTo(200);
        assertProblem(service.get("/videos/vid_doesnotexist", owner), 404, "not_found");
        assertProblem(service.get("/videos", null), 401, "unauthorized");
    }

    @Test
    void cancelsAVideoOnceThenAnswers409() {
        String key = userKey();
        String videoId = service.upload(key, video("to cancel")).json().path("video_id").asText();

        Response cancelled = service.call("POST", "/videos/" + videoId + "/cancel", key, null);

        assertThat(cancelled.status()).as(cancelled.text()).isEqualTo(200);
        assertThat(cancelled.json().path("status").asText()).isEqualTo("cancelled");
        assertThat(service.get("/videos/" + videoId, key).json().path("status").asText()).isEqualTo("cancelled");
        assertProblem(service.call("POST", "/videos/" + videoId + "/cancel", key, null), 409, "video_final");
        await().atMost(Duration.ofSeconds(15)).until(() -> service.jobs.engine().jobForVideo(videoId).orElseThrow()
                .state().isFinal());
        assertThat(service.jobs.engine().jobForVideo(videoId).orElseThrow().state()).isEqualTo(JobState.CANCELLED);
    }

    @Test
    void theAdminUploadsForANamedUserOnly() {
        JsonNode user = service.createUser(unique("a"));
        long userId = user.path("id").asLong();

        Response withoutUser = service.upload(TestService.ADMIN_KEY, video("x"));
        Response unknownUser = service.upload(TestService.ADMIN_KEY, video("x").field("user_id", "999999999"));
        Response accepted = service.upload(TestService.ADMIN_KEY, video("x").field("user_id", Long.toString(userId)));
        // another user's id, not a literal 1: run alone on a fresh database, the user above is user 1
        String otherId = service.createUser(unique("b")).path("id").asText();
        Response userForOther = service.upload(user.path("api_key").asText(), video("x").field("user_id", otherId));

        assertProblem(withoutUser, 400, "validation_failed");
        assertProblem(unknownUser, 404, "not_found");
        assertThat(accepted.status()).as(accepted.text()).isEqualTo(202);
        String videoId = accepted.json().path("video_id").asText();
        assertThat(service.get("/videos/" + videoId, user.path("api_key").asText()).json().path("user_id").asLong())
                .isEqualTo(userId);
        assertThat(service.get("/videos?user_id=" + userId, TestService.ADMIN_KEY).json().path("total").asLong())
                .isEqualTo(1);
        assertProblem(userForOther, 403, "forbidden_field"); // API.md: a user setting an admin-only field
        assertThat(userForOther.json().path("detail").asText()).startsWith("user_id ");
    }

    @Test
    void replaysTheSameUploadForTheSameIdempotencyKeyAndRefusesAnother() {
        String key = userKey();
        String idem = unique("idem-");

        Response first = service.upload(key, video("same"), "Idempotency-Key", idem);
        Response second = service.upload(key, video("same"), "Idempotency-Key", idem);
        Response different = service.upload(key, video("different"), "Idempotency-Key", idem);

        assertThat(first.status()).isEqualTo(202);
        assertThat(second.status()).isEqualTo(202);
        assertThat(second.json().path("video_id").asText()).isEqualTo(first.json().path("video_id").asText());
        assertThat(second.header("Location")).isEqualTo(first.header("Location"));
        assertThat(second.header("Idempotent-Replayed")).isEqualTo("true");
        assertProblem(different, 422, "idempotency_mismatch");
        assertThat(service.get("/videos", key).json().path("total").asLong()).isEqualTo(1);
    }

    @Test
    void aReplayShowsTheSameCallbackSecretWhichTheIdempotencyRecordKeepsSealed() {
        String key = userKey();
        String idem = unique("idem-cb-");
        // nothing listens on port 9: the callback's deliveries just fail and wait
        String url = "http://127.0.0.1:9/cb";

        Response first = service.upload(key, video("callback-replay").field("callback_url", url), "Idempotency-Key",
                idem);
        Response second = service.upload(key, video("callback-replay").field("callback_url", url),
                "Idempotency-Key", idem);

        assertThat(first.status()).as(first.text()).isEqualTo(202);
        String secret = first.json().path("callback_secret").asText();
        assertThat(secret).startsWith("whsec_");
        assertThat(second.status()).isEqualTo(202);
        assertThat(second.header("Idempotent-Replayed")).isEqualTo("true");
        assertThat(second.text()).isEqualTo(first.text());
        assertThat(first.header("Cache-Control")).as("a secret is shown: no cache keeps it").isEqualTo("no-store");
        assertThat(second.header("Cache-Control")).isEqualTo("no-store");
        java.util.List<String> records = service.service.context().database().query("SELECT body FROM"
                + " idempotency_keys WHERE idem_key = :key", java.util.Map.of("key", idem)).list(String.class);
        assertThat(records).hasSize(1).allSatisfy(body -> assertThat(body).doesNotContain("whsec_")
                .doesNotContain(secret.substring("whsec_".length())));
    }

    @Test
    void badUploadsAre4xxProblemsAndStoreNothing() {
        String key = userKey();
        long videos = service.videoCount();
        byte[] oversized = new byte[MAX_UPLOAD + 1];
        Arrays.fill(oversized, (byte) 'x');
        String bigOptions = "{\"pad\":\"" + "p".repeat(16 * 1024) + "\"}";

        assertProblem(service.upload(key, new Form().field("options", "{}")), 400, "validation_failed");
        assertProblem(service.upload(key, new Form().file("video", "empty.mp4", new byte[0])), 400, "empty_file");
        assertProblem(service.upload(key, new Form().file("video", "big.mp4", oversized)), 413, "payload_too_large");
        Response wayOver = service.upload(key, new Form().file("video", "huge.mp4", new byte[4 * MAX_UPLOAD]));
        assertProblem(wayOver, 413, "payload_too_large");
        assertProblem(service.upload(key, video("x").field("options", "[1,2]")), 400, "invalid_options");
        assertProblem(service.upload(key, video("x").field("options", "{not json")), 400, "invalid_options");
        assertProblem(service.upload(key, video("x").field("options", bigOptions)), 400, "field_too_large");
        assertProblem(service.upload(key, video("x").field("colour", "red")), 400, "unknown_field");
        assertProblem(service.upload(key, video("x").file("video", "b.mp4", new byte[] {1})), 400, "validation_failed");
        assertProblem(service.upload(key, new Form().field("video", "not a file")), 400, "validation_failed");
        assertProblem(service.call("POST", "/process-video", key, "{\"video\":\"x\"}"), 415,
                "unsupported_media_type");
        assertProblem(service.upload(key, video("x"), "Content-Type", "multipart/form-data"), 415,
                "unsupported_media_type");
        assertProblem(service.upload(key, video("x"), "Idempotency-Key", "bad key"), 400, "validation_failed");

        assertThat(service.videoCount()).isEqualTo(videos);
        assertThat(service.uploadsWithoutVideo()).as("stored without a video").isEmpty();
    }

    @Test
    void optionsWithANulOrAnUnpairedSurrogateAreRefusedAndStoreNothing() {
        String key = userKey();
        long videos = service.videoCount();

        // JSON escapes, as a client sends them: the written text would show them escaped again, never raw
        assertProblem(service.upload(key, video("x").field("options", "{\"a\":\"x\\u0000y\"}")), 400,
                "invalid_options");
        assertProblem(service.upload(key, video("x").field("options", "{\"a\":\"\\ud800\"}")), 400,
                "invalid_options");
        assertProblem(service.upload(key, video("x").field("options", "{\"a\":[1,{\"\\udc00\":2}]}")), 400,
                "invalid_options");
        Response paired = service.upload(key, video("x").field("options", "{\"mood\":\"\\ud83d\\ude42\"}"));

        assertThat(paired.status()).as(paired.text()).isEqualTo(202);
        assertThat(service.videoCount()).isEqualTo(videos + 1);
        Response stored = service.get("/videos/" + paired.json().path("video_id").asText(), key);
        assertThat(stored.json().path("options").path("mood").asText()).isEqualTo("\uD83D\uDE42");
    }

    @Test
    void optionsNumbersComeBackAsSent() {
        String key = userKey();
        // read as doubles, 1e400 became the string "Infinity", 1.10 became 1.1 and 1e-400 became 0.0
        String options = "{\"huge\":1e400,\"tiny\":1e-400,\"money\":1.10,\"big\":9223372036854775808}";

        Response accepted = service.upload(key, video("x").field("options", options));

        assertThat(accepted.status()).as(accepted.text()).isEqualTo(202);
        String text = service.get("/videos/" + accepted.json().path("video_id").asText(), key).text();
        JsonNode stored = exactly(text).path("options");
        assertThat(stored.path("huge").isNumber()).as(text).isTrue();
        assertThat(stored.path("huge").decimalValue()).isEqualByComparingTo(new java.math.BigDecimal("1e400"));
        assertThat(stored.path("tiny").decimalValue()).isEqualByComparingTo(new java.math.BigDecimal("1e-400"));
        assertThat(text).contains("\"money\":1.10").contains("\"big\":9223372036854775808");
    }

    private static JsonNode exactly(String json) {
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper()
                    .enable(com.fasterxml.jackson.databind.DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
                    .readTree(json);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void aRefusedCallbackUrlIsA400AndStoresNothing() {
        String key = userKey();
        long videos = service.videoCount();

        assertProblem(service.upload(key, video("x").field("callback_url", "http://10.0.0.5/hook")), 400,
                "webhook_url_refused");
        assertProblem(service.upload(key, video("x").field("callback_url", "ftp://127.0.0.1/hook")), 400,
                "webhook_url_refused");
        assertProblem(service.upload(key, new Form().field("callback_url", "http://169.254.169.254/latest")
                .file("video", "clip.mp4", "x".getBytes(StandardCharsets.UTF_8))), 400, "webhook_url_refused");

        assertThat(service.videoCount()).isEqualTo(videos);
        assertThat(service.uploadsWithoutVideo()).as("stored without a video").isEmpty();
    }

    @Test
    void aCallbackUrlGetsEveryStatusChangeSignedWithTheSecretShownOnce() throws Exception {
        java.util.Queue<String[]> received = new java.util.concurrent.ConcurrentLinkedQueue<>();
        com.sun.net.httpserver.HttpServer receiver = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            received.add(new String[] {exchange.getRequestHeaders().getFirst("webhook-id"),
                    exchange.getRequestHeaders().getFirst("webhook-timestamp"),
                    exchange.getRequestHeaders().getFirst("webhook-signature"),
                    new String(body, StandardCharsets.UTF_8)});
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        receiver.start();
        try {
            String key = userKey();
            String url = "http://127.0.0.1:" + receiver.getAddress().getPort() + "/cb";

            Response accepted = service.upload(key, video("callback").field("callback_url", url));

            assertThat(accepted.status()).isEqualTo(202);
            String secret = accepted.json().path("callback_secret").asText();
            assertThat(secret).startsWith("whsec_");
            String videoId = accepted.json().path("video_id").asText();
            assertThat(service.get("/videos/" + videoId, key).text()).doesNotContain(secret);
            await().atMost(Duration.ofSeconds(30)).until(() -> received.stream()
                    .anyMatch(request -> request[3].contains("\"type\":\"video.completed\"")));
            for (String[] request : received) {
                javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
                mac.init(new javax.crypto.spec.SecretKeySpec(java.util.Base64.getDecoder().decode(
                        secret.substring("whsec_".length())), "HmacSHA256"));
                String signed = "v1," + java.util.Base64.getEncoder().encodeToString(mac.doFinal(
                        (request[0] + "." + request[1] + "." + request[3]).getBytes(StandardCharsets.UTF_8)));
                assertThat(request[2]).isEqualTo(signed);
                assertThat(request[0]).startsWith("msg_");
                assertThat(request[3]).contains("\"video_id\":\"" + videoId + "\"");
            }
            assertThat(received.stream().map(request -> request[3].replaceAll(".*\"type\":\"(video\\.[a-z]+)\".*",
                    "$1")).distinct()).contains("video.queued", "video.completed");
        } finally {
            receiver.stop(0);
        }
    }

    @Test
    void malformedMultipartIsA400() {
        String key = userKey();
        byte[] truncated = "--b\r\nContent-Disposition: form-data; name=\"video\"; filename=\"a\"\r\n\r\nabc"
                .getBytes(StandardCharsets.UTF_8);

        Response response = service.send(java.net.http.HttpRequest.newBuilder(
                java.net.URI.create(service.base() + "/process-video"))
                .POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(truncated))
                .header("Content-Type", "multipart/form-data; boundary=b").header("X-API-Key", key));

        assertProblem(response, 400, "malformed_multipart");
    }

    @Test
    void listsVideosWithStatusFilterPaginationAndOrder() {
        String key = userKey();
        for (int i = 0; i < 3; i++) {
            service.upload(key, video("clip " + i));
        }

        JsonNode page = service.get("/videos?limit=2&offset=0&order_by=-created_at", key).json();
        JsonNode rest = service.get("/videos?limit=2&offset=2&order_by=-created_at", key).json();

        assertThat(page.path("total").asLong()).isEqualTo(3);
        assertThat(page.path("items")).hasSize(2);
        assertThat(rest.path("items")).hasSize(1);
        assertThat(page.path("limit").asInt()).isEqualTo(2);
        assertThat(service.get("/videos?status=completed&limit=1000", key).json().path("items").size())
                .isLessThanOrEqualTo(3);
        for (String bad : new String[] {"limit=0", "limit=1001", "offset=-1", "limit=abc", "order_by=password",
            "order_by=-", "order_by=created_at;drop", "status=done", "user_id=abc"}) {
            assertThat(service.get("/videos?" + bad, key).status()).as(bad).isEqualTo(400);
        }
    }

    @Test
    void usageEndpointsCheckTheirBoundsAndConfineUsers() {
        String key = userKey();

        for (String path : new String[] {"/usage/stats?days=0", "/usage/stats?days=367", "/usage/daily?days=0",
            "/usage/daily?days=367", "/usage/daily?days=x", "/usage?limit=0", "/usage?limit=1001", "/usage?offset=-1"}) {
            assertProblem(service.get(path, key), 400, "invalid_parameter");
        }
        assertThat(service.get("/usage/daily?days=366", key).status()).isEqualTo(200);
        assertThat(service.get("/usage/stats?days=1", key).status()).isEqualTo(200);
        assertThat(service.get("/usage", key).json().path("total").asLong()).isZero();
        assertProblem(service.get("/usage?user_id=1", key), 403, "forbidden");
        assertThat(service.get("/usage?user_id=1", TestService.ADMIN_KEY).status()).isEqualTo(200);
        assertProblem(service.get("/usage", null), 401, "unauthorized");
    }

    @Test
    void apiClientEndpointsAnswerEmptyWithTheLocalProviderAndAreAdminOnly() {
        String key = userKey();

        assertThat(service.get("/api/pool-status", TestService.ADMIN_KEY).json().size()).isZero();
        assertThat(service.get("/api/circuit-breaker-status", TestService.ADMIN_KEY).json().size()).isZero();
        JsonNode metrics = service.get("/metrics/api", TestService.ADMIN_KEY).json();
        assertThat(metrics.path("provider").asText()).isEqualTo("local");
        assertThat(metrics.path("total_calls").asLong()).isZero();
        assertThat(service.get("/api/performance", TestService.ADMIN_KEY).json().path("latency_ms").has("p99"))
                .isTrue();
        Response reset = service.call("POST", "/api/reset-circuit-breaker", TestService.ADMIN_KEY, "{}");
        assertThat(reset.status()).as(reset.text()).isEqualTo(200);
        assertProblem(service.call("POST", "/api/reset-circuit-breaker", TestService.ADMIN_KEY,
                "{\"host\":\"nowhere:1\"}"), 404, "not_found");
        assertProblem(service.call("POST", "/api/reset-circuit-breaker", TestService.ADMIN_KEY,
                "{\"hots\":\"x\"}"), 400, "unknown_field");
        assertProblem(service.get("/metrics/api", key), 403, "forbidden");
        assertProblem(service.get("/api/pool-status", key), 403, "forbidden");
    }

    @Test
    void healthShowsTheProviderAndTheJobQueue() {
        JsonNode health = service.get("/health", TestService.ADMIN_KEY).json();

        assertThat(health.toString()).contains("provider").contains("queue_depth");
        String metrics = service.get("/metrics", TestService.ADMIN_KEY).text();
        assertThat(metrics).contains("weft_jobs{").contains("state=\"queued\"");
    }
}
