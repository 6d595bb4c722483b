package dev.weft.service.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.weft.service.TestBackends;
import dev.weft.service.TestService;
import dev.weft.service.webhooks.WebhooksConfig;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/** {@code GET /admin/dashboard}, {@code GET /} and {@code GET /assets/{name}} over HTTP, without a browser. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DashboardEndpointTest {
    private TestService service;

    @BeforeAll
    void start() {
        service = new TestService(TestBackends.SQLITE, config -> config.withWebhooks(failingFast()));
    }

    /**
     * @return webhook settings that allow http to loopback and give a delivery up after its first failed attempt, so
     *     a receiver that refuses connections leaves a failed delivery within a second
     */
    static WebhooksConfig failingFast() {
        WebhooksConfig base = WebhooksConfig.defaults();
        return new WebhooksConfig(true, List.of(), base.timeout(), base.maxResponseBytes(), null, Duration.ofMillis(1),
                base.disableAfter(), base.maxPerUser());
    }

    /** Ports held bound and not listening, for the test JVM's life: a few sockets, so never closed. */
    private static final java.util.Queue<java.net.Socket> HELD = new java.util.concurrent.ConcurrentLinkedQueue<>();

    /**
     * @return a loopback URL where nothing listens: a port held bound but not listening, so every connection to it
     *     is refused and no other process can take it and listen (a port freed at once could be, and a receiver
     *     answering 2xx there would leave the delivery delivered, never failed)
     * @throws IOException if no port could be had
     */
    static String closedLoopbackUrl() throws IOException {
        java.net.Socket held = new java.net.Socket();
        held.bind(new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        HELD.add(held);
        return "http://127.0.0.1:" + held.getLocalPort() + "/hook";
    }

    /**
     * Registers a webhook to a closed port and sends it a test ping.
     *
     * @param service the service
     * @param key the owner's key
     * @return the webhook id, then the ping's delivery id
     * @throws IOException if no port could be had
     */
    static String[] failingDelivery(TestService service, String key) throws IOException {
        TestService.Response created = service.call("POST", "/webhooks", key, TestService.json(Map.of(
                "url", closedLoopbackUrl(), "event_types", List.of("video.completed"))));
        assertThat(created.status()).as(created.text()).isEqualTo(201);
        String webhookId = created.json().path("webhook_id").asText();
        TestService.Response ping = service.call("POST", "/webhooks/" + webhookId + "/test", key, null);
        assertThat(ping.status()).as(ping.text()).isEqualTo(202);
        return new String[] {webhookId, ping.json().path("delivery_id").asText()};
    }

    @AfterAll
    void stop() {
        service.close();
    }

    @Test
    void answersOnlyTheAdmin() {
        String userKey = service.createUser(TestService.unique("dk")).path("api_key").asText();

        TestService.assertProblem(service.get("/admin/dashboard", null), 401, "unauthorized");
        TestService.assertProblem(service.get("/admin/dashboard", userKey), 403, "forbidden");
        assertThat(service.get("/admin/dashboard", TestService.ADMIN_KEY).status()).isEqualTo(200);
    }

    @Test
    void readsTheSchemaTableAtMostEveryOtherHealthRun() {
        // the migrations check's memo must outlast the health section's period, or it always expires just before the
        // next run and an open page reads the schema table at every one (docs/BENCHMARKS.md, run 14)
        assertThat(dev.weft.service.data.CurrentSchemaMemo.REMEMBERED).isGreaterThan(DashboardModule.HEALTH_PERIOD);
    }

    @Test
    void countsRequestsPerRouteWithTheirLatencyPercentiles() {
        for (int i = 0; i < 12; i++) {
            service.get("/health/live", null);
        }

        JsonNode route = await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200))
                .until(() -> route(service.get("/admin/dashboard", TestService.ADMIN_KEY).json(), "/health/live"),
                        found -> found.path("requests").asLong() >= 12);
        assertThat(route.path("method").asText()).isEqualTo("GET");
        assertThat(route.path("event_stream").asBoolean()).isFalse();
        assertThat(route.path("server_error_rate").asDouble()).isZero();
        assertThat(route.path("p50_ms").asDouble()).isPositive()
                .isLessThanOrEqualTo(route.path("p95_ms").asDouble());
        assertThat(route.path("p95_ms").asDouble()).isLessThanOrEqualTo(route.path("p99_ms").asDouble());
    }

    @Test
    void marksAClosedEventStreamAsSuchAndNotAsAClientError() throws IOException {
        try (java.net.Socket socket = new java.net.Socket(InetAddress.getLoopbackAddress(), service.service.port())) {
            socket.getOutputStream().write(("GET /admin/dashboard/stream HTTP/1.1\r\nHost: x\r\nX-API-Key: "
                    + TestService.ADMIN_KEY + "\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            assertThat(socket.getInputStream().readNBytes(12)).asString().isEqualTo("HTTP/1.1 200");
        }

        // the closed socket is found at the stream's next write: a reading after a request
        JsonNode route = await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500))
                .until(() -> route(service.get("/admin/dashboard", TestService.ADMIN_KEY).json(),
                        "/admin/dashboard/stream"), found -> found.path("requests").asLong() >= 1);
        assertThat(route.path("event_stream").asBoolean()).isTrue();
        assertThat(route.path("client_error_rate").asDouble()).isZero();
        assertThat(route.path("server_error_rate").asDouble()).isZero();
    }

    @Test
    void answersOneObjectWithEverySection() {
        JsonNode body = service.get("/admin/dashboard", TestService.ADMIN_KEY).json();

        assertThat(body.properties()).extracting(java.util.Map.Entry::getKey).containsExactly("started_at", "now", "interval_ms", "window_ms", "samples",
                "jobs", "routes", "database", "caches", "breakers", "webhooks", "health");
        assertThat(body.path("database").path("queries_total").isNumber()).isTrue();
    }

    @Test
    void showsAFailingReceiversDeliveryAsFailedWithItsReason() throws IOException {
        String key = service.createUser(TestService.unique("dh")).path("api_key").asText();
        String[] ids = failingDelivery(service, key);

        // deliveries are read from the database at most every 10 s
        JsonNode webhooks = await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500))
                .until(() -> service.get("/admin/dashboard", TestService.ADMIN_KEY).json().path("webhooks"),
                        section -> failure(section, ids[1]).isObject());
        JsonNode failure = failure(webhooks, ids[1]);
        assertThat(webhooks.path("enabled").asBoolean()).isTrue();
        assertThat(failure.path("webhook_id").asText()).isEqualTo(ids[0]);
        assertThat(failure.path("event_type").asText()).isEqualTo("webhook.test");
        assertThat(failure.path("attempts").asInt()).isEqualTo(1);
        assertThat(failure.path("last_status").isNull()).as("no answer from a closed port").isTrue();
        assertThat(failure.path("last_error").asText()).isNotBlank().doesNotContain("127.0.0.1")
                .doesNotContain("Exception");
        assertThat(failure.path("failed_at").asText()).isNotBlank();
        assertThat(webhooks.path("by_state").path("failed").asLong()).isPositive();
        assertThat(webhooks.path("attempts_in_window").path("failed").asLong()).isPositive();
    }

    @Test
    void countsDeliveriesByStateDisabledWebhooksAndAttemptsPerInterval() throws IOException {
        String key = service.createUser(TestService.unique("dh")).path("api_key").asText();
        // disabled only once its delivery failed: disabled before the attempt, the delivery would wait as pending
        String[] ids = failedDeliveryOf(key);
        TestService.Response disabled = service.call("PATCH", "/webhooks/" + ids[0], key,
                TestService.json(Map.of("enabled", false)));
        assertThat(disabled.status()).as(disabled.text()).isEqualTo(200);

        JsonNode body = await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500))
                .until(() -> service.get("/admin/dashboard", TestService.ADMIN_KEY).json(),
                        found -> found.path("webhooks").path("disabled_webhooks").asLong() >= 1
                                && failure(found.path("webhooks"), ids[1]).isObject());
        JsonNode byState = body.path("webhooks").path("by_state");
        assertThat(byState.properties()).extracting(Map.Entry::getKey)
                .containsExactly("pending", "delivered", "failed", "cancelled");
        assertThat(byState.path("failed").asLong()).isPositive();
        long failedAttempts = 0;
        for (JsonNode sample : body.path("samples")) {
            failedAttempts += sample.path("webhook_attempts").path("failed").asLong();
        }
        assertThat(failedAttempts).as("failed attempts over the samples").isPositive();
        assertThat(body.path("webhooks").path("attempts_in_window").path("failed").asLong()).isPositive();
    }

    @Test
    void readsTheDeliveriesAgainOnlyWhenAttemptsMovedOrTheFiguresAreOld() throws IOException {
        dev.weft.db.Database db = service.service.context().database();
        java.util.concurrent.atomic.AtomicLong nanos = new java.util.concurrent.atomic.AtomicLong();
        DashboardWebhooks webhooks = new DashboardWebhooks(service.service.context().registry(),
                new dev.weft.service.webhooks.DeliveryRepository(db, java.time.Clock.systemUTC()),
                new dev.weft.service.data.WebhookRepository(db, java.time.Clock.systemUTC()), nanos::get);
        Map<String, Long> quiet = Map.of();
        Map<String, Long> moved = Map.of("failed", 1L);
        long failedBefore = failedCount(webhooks.section(quiet));
        String key = service.createUser(TestService.unique("dh")).path("api_key").asText();
        String[] first = failedDeliveryOf(key);

        Map<String, Object> withinPeriod = webhooks.section(moved);
        nanos.addAndGet(DashboardWebhooks.PERIOD.toNanos());
        Map<String, Object> attemptsStill = webhooks.section(quiet);
        Map<String, Object> attemptsMoved = webhooks.section(moved);

        assertThat(failedCount(withinPeriod)).as("within the period: the figures read before").isEqualTo(failedBefore);
        assertThat(failedCount(attemptsStill)).as("no attempt since: the figures read before").isEqualTo(failedBefore);
        assertThat(failedCount(attemptsMoved)).isGreaterThan(failedBefore);
        assertThat(attemptsMoved.get("recent_failures").toString()).contains(first[1]);

        String[] second = failedDeliveryOf(key);
        nanos.addAndGet(DashboardWebhooks.MAX_AGE.toNanos() - 1);
        Map<String, Object> notYetOld = webhooks.section(moved);
        nanos.addAndGet(1);
        Map<String, Object> old = webhooks.section(moved);

        assertThat(failedCount(notYetOld)).isEqualTo(failedCount(attemptsMoved));
        assertThat(failedCount(old)).as("read again after MAX_AGE, attempts moved or not")
                .isGreaterThan(failedCount(attemptsMoved));
        assertThat(old.get("recent_failures").toString()).contains(second[1]);
    }

    private String[] failedDeliveryOf(String key) throws IOException {
        String[] ids = failingDelivery(service, key);
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).until(() -> service
                .get("/webhooks/" + ids[0] + "/deliveries/" + ids[1], key).json().path("state").asText()
                .equals("failed"));
        return ids;
    }

    @SuppressWarnings("unchecked")
    private static long failedCount(Map<String, Object> section) {
        return ((Map<String, Long>) section.get("by_state")).get("failed");
    }

    @Test
    void sendsOnlySamplesNewerThanSince() {
        JsonNode first = await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200))
                .until(() -> service.get("/admin/dashboard", TestService.ADMIN_KEY).json(),
                        body -> body.path("samples").size() >= 1);
        long last = first.path("samples").get(first.path("samples").size() - 1).path("t").asLong();

        JsonNode newer = service.get("/admin/dashboard?since=" + last, TestService.ADMIN_KEY).json();

        assertThat(first.path("interval_ms").asLong()).isEqualTo(2000);
        assertThat(first.path("window_ms").asLong()).isEqualTo(900_000);
        for (JsonNode sample : newer.path("samples")) {
            assertThat(sample.path("t").asLong()).isGreaterThan(last);
        }
        TestService.assertProblem(service.get("/admin/dashboard?since=yesterday", TestService.ADMIN_KEY), 400,
                "validation_failed");
    }

    @Test
    void servesThePagePubliclyAndOnlyListedFiles() throws Exception {
        TestService.Response page = service.get("/", null);
        TestService.Response script = service.get("/assets/dashboard.js", null);

        assertThat(page.status()).isEqualTo(200);
        assertThat(page.header("Content-Type")).startsWith("text/html");
        assertThat(page.text()).contains("<label for=\"key\">Admin API key</label>");
        // the page takes the admin key: no other site may frame it (clickjacking)
        assertThat(page.header("X-Frame-Options")).isEqualTo("DENY");
        assertThat(page.header("Content-Security-Policy")).isEqualTo("frame-ancestors 'none'");
        assertThat(script.header("X-Frame-Options")).as("only pages").isNull();
        assertThat(script.status()).isEqualTo(200);
        assertThat(script.header("Content-Type")).startsWith("text/javascript");
        assertThat(script.header("Cache-Control")).isEqualTo("no-cache");
        assertThat(service.get("/assets/uPlot.iife.min.js", null).header("Cache-Control")).contains("max-age");
        TestService.assertProblem(service.get("/assets/openapi.json", null), 404, "not_found");
        TestService.assertProblem(service.get("/assets/..%2F..%2Fopenapi.json", null), 404, "not_found");
        for (StaticAssets.Asset asset : StaticAssets.ASSETS.values()) {
            assertThat(StaticAssets.present(asset.resource())).as(asset.resource()).isTrue();
        }
    }

    @Test
    void gzipsFilesForBrowsersThatAcceptIt() {
        TestService.Response plain = service.get("/assets/uPlot.iife.min.js", null);
        TestService.Response gzipped = service.send(HttpRequest.newBuilder(
                URI.create(service.base() + "/assets/uPlot.iife.min.js")).header("Accept-Encoding", "gzip, br"));

        assertThat(plain.header("Content-Encoding")).isNull();
        assertThat(gzipped.status()).isEqualTo(200);
        assertThat(gzipped.header("Content-Encoding")).isEqualTo("gzip");
        assertThat(gzipped.header("Vary")).isEqualTo("Accept-Encoding");
    }

    private static JsonNode failure(JsonNode webhooks, String deliveryId) {
        for (JsonNode failure : webhooks.path("recent_failures")) {
            if (deliveryId.equals(failure.path("delivery_id").asText())) {
                return failure;
            }
        }
        return com.fasterxml.jackson.databind.node.MissingNode.getInstance();
    }

    private static JsonNode route(JsonNode body, String template) {
        for (JsonNode route : body.path("routes")) {
            if (template.equals(route.path("route").asText())) {
                return route;
            }
        }
        return com.fasterxml.jackson.databind.node.MissingNode.getInstance();
    }
}
