package dev.weft.service.webhooks;

import static dev.weft.service.TestService.json;
import static dev.weft.service.TestService.unique;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.weft.service.TestBackends;
import dev.weft.service.TestService;
import dev.weft.service.TestService.Response;
import dev.weft.service.events.EventsConfig;
import dev.weft.service.jobs.JobsConfig;
import dev.weft.service.provider.LocalProvider;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * The whole path through HTTP, as a client sees it: register a webhook pointing at a real receiver on loopback,
 * upload a video, and the receiver gets a {@code video.completed} signed by the Standard Webhooks scheme, checked here
 * with an implementation of the check written from the specification (not {@link WebhookSigner}); a test ping
 * arrives too, and the delivery log shows the attempts. PostgreSQL; the local provider finishes a job in 300 ms.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class WebhookEndToEndTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    static final Duration WAIT = Duration.ofSeconds(30);
    TestService service;
    HttpServer receiver;
    final List<Received> received = new CopyOnWriteArrayList<>();

    /** One request the receiver got, and when. */
    record Received(Instant at, String path, Map<String, List<String>> headers, byte[] body) {
        String header(String name) {
            return headers.entrySet().stream().filter(entry -> entry.getKey().equalsIgnoreCase(name))
                    .map(entry -> entry.getValue().getFirst()).findFirst().orElse("");
        }

        JsonNode json() {
            try {
                return MAPPER.readTree(body);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }

    @BeforeAll
    void start() throws IOException {
        receiver = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        receiver.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        receiver.createContext("/hook", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            received.add(new Received(Instant.now(), exchange.getRequestURI().getPath(),
                    Map.copyOf(exchange.getRequestHeaders()), body));
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        receiver.start();
        JobsConfig jobs = JobsConfig.defaults().withWorkers(2).withLease(Duration.ofSeconds(5))
                .withPolling(Duration.ofMillis(100), Duration.ofMillis(200))
                .withRetries(3, Duration.ofMillis(100), Duration.ofMillis(500));
        service = new TestService(TestBackends.POSTGRESQL.isolate(), true,
                config -> config.withWebhooks(WebhooksEndpointContract.loopback(10)),
                () -> LocalProvider.create(Duration.ofMillis(300), Clock.systemUTC()), jobs, EventsConfig.defaults());
    }

    @AfterAll
    void stop() {
        if (service != null) {
            service.close();
        }
        if (receiver != null) {
            receiver.stop(0);
        }
    }

    String url() {
        return "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook";
    }

    @Test
    void aRegisteredWebhookReceivesASignedCompletedEventWithinASecondOfCompletion() throws Exception {
        String key = service.createUser(unique("e2e")).path("api_key").asText();
        Response created = service.call("POST", "/webhooks", key, json(Map.of("url", url(),
                "event_types", List.of("video.completed"))));
        assertThat(created.status()).as(created.text()).isEqualTo(201);
        String secret = created.json().path("secret").asText();
        String webhookId = created.json().path("webhook_id").asText();

        Response accepted = service.upload(key, new TestService.Form().file("video", "clip.mp4",
                "frames".getBytes(StandardCharsets.UTF_8)));
        String videoId = accepted.json().path("video_id").asText();
        Received completed = await().atMost(WAIT).until(() -> received.stream()
                .filter(request -> request.json().path("data").path("video_id").asText().equals(videoId))
                .findFirst().orElse(null), request -> request != null);
        JsonNode video = service.get("/videos/" + videoId, key).json();

        assertThat(verify(secret, completed)).as("the signature verifies with the secret").isTrue();
        assertThat(verify("whsec_" + Base64.getEncoder().encodeToString(new byte[32]), completed)).isFalse();
        JsonNode body = completed.json();
        assertThat(body.path("type").asText()).isEqualTo("video.completed");
        assertThat(body.path("data")).isEqualTo(video);
        assertThat(body.path("timestamp").asText()).isNotEmpty();
        assertThat(completed.header("webhook-id")).startsWith("msg_");
        assertThat(completed.header("content-type")).startsWith("application/json");
        assertThat(completed.header("user-agent")).startsWith("weft-webhooks/");
        Instant done = Instant.parse(video.path("updated_at").asText());
        long lagMillis = Duration.between(done, completed.at()).toMillis();
        System.out.println("webhook e2e: video.completed arrived " + lagMillis + " ms after the video's updated_at");
        // the target is one second; a shared, noisy machine gets five
        assertThat(lagMillis).as("ms from completion to arrival").isLessThan(5_000);
        assertThat(received).filteredOn(request -> request.json().path("data").path("video_id").asText()
                .equals(videoId)).as("only the subscribed type").allMatch(request -> request.json().path("type")
                        .asText().equals("video.completed"));

        JsonNode deliveries = await().atMost(WAIT).until(() -> service.get("/webhooks/" + webhookId
                + "/deliveries", key).json(), page -> page.path("items").size() == 1
                        && page.path("items").get(0).path("state").asText().equals("delivered"));
        JsonNode delivery = deliveries.path("items").get(0);
        assertThat(delivery.path("attempts").asInt()).isEqualTo(1);
        assertThat(delivery.path("last_status").asInt()).isEqualTo(204);
        assertThat(delivery.path("message_id").asText()).isEqualTo(completed.header("webhook-id"));
        JsonNode detail = service.get("/webhooks/" + webhookId + "/deliveries/"
                + delivery.path("delivery_id").asText(), key).json();
        assertThat(detail.path("attempt_history")).hasSize(1);
        assertThat(detail.path("attempt_history").get(0).path("outcome").asText()).isEqualTo("delivered");
        assertThat(detail.path("attempt_history").get(0).path("status").asInt()).isEqualTo(204);
        assertThat(service.get("/webhooks/" + webhookId, key).json().path("deliveries").path("delivered").asInt())
                .isEqualTo(1);
    }

    @Test
    void aTestPingArrivesSignedAndIsLoggedAsDelivered() throws Exception {
        String key = service.createUser(unique("e2e")).path("api_key").asText();
        JsonNode created = service.call("POST", "/webhooks", key, json(Map.of("url", url()))).json();
        String webhookId = created.path("webhook_id").asText();

        Response ping = service.call("POST", "/webhooks/" + webhookId + "/test", key, null);
        Received arrived = await().atMost(WAIT).until(() -> received.stream()
                .filter(request -> request.json().path("data").path("webhook_id").asText().equals(webhookId))
                .findFirst().orElse(null), request -> request != null);
        // a second ping, the sender's client built: the endpoint wakes the delivery loop rather than leaving the
        // ping to its next poll
        Instant sent = Instant.now();
        String again = service.call("POST", "/webhooks/" + webhookId + "/test", key, null).json()
                .path("delivery_id").asText();
        Received second = await().atMost(WAIT).until(() -> received.stream().filter(request -> request.json()
                .path("data").path("webhook_id").asText().equals(webhookId)).skip(1).findFirst().orElse(null),
                request -> request != null);
        System.out.println("webhook e2e: a second test ping arrived " + Duration.between(sent, second.at())
                .toMillis() + " ms after POST /test was sent (" + again + ")");

        assertThat(ping.status()).as(ping.text()).isEqualTo(202);
        assertThat(arrived.json().path("type").asText()).isEqualTo("webhook.test");
        assertThat(arrived.header("webhook-id")).startsWith("msg_test_");
        assertThat(verify(created.path("secret").asText(), arrived)).isTrue();
        String deliveryId = ping.json().path("delivery_id").asText();
        JsonNode delivery = await().atMost(WAIT).until(() -> service.get("/webhooks/" + webhookId + "/deliveries/"
                + deliveryId, key).json(), body -> body.path("state").asText().equals("delivered"));
        assertThat(delivery.path("attempt_history")).hasSize(1);
        assertThat(delivery.path("delivered_at").isTextual()).isTrue();
    }

    @Test
    void metricsNeverNameAReceiverAndShowNoBreakerForWebhooks() {
        String key = service.createUser(unique("e2e")).path("api_key").asText();
        String webhookId = service.call("POST", "/webhooks", key, json(Map.of("url", url() + "?partner=acme")))
                .json().path("webhook_id").asText();
        String deliveryId = service.call("POST", "/webhooks/" + webhookId + "/test", key, null).json()
                .path("delivery_id").asText();
        await().atMost(WAIT).until(() -> service.get("/webhooks/" + webhookId + "/deliveries/" + deliveryId, key)
                .json().path("state").asText(), "delivered"::equals);

        String metrics = service.get("/metrics", TestService.ADMIN_KEY).text();

        // /metrics may be public (WEFT_METRICS_PUBLIC): a receiver's host is one user's integration partner
        assertThat(metrics).containsPattern("http_client_requests_seconds_count\\{client_name=\"webhooks\","
                        + "host=\"\\{host}\",[^}]*status=\"204\",uri=\"http://\\{host}/\\{path}\"} [1-9]")
                .doesNotContain(":" + receiver.getAddress().getPort())
                .doesNotContain("partner=acme")
                // API.md: webhook deliveries have no breaker, so no breaker gauge claims one
                .doesNotContain("weft_http_breaker_state{client_name=\"webhooks\"");
    }

    @Test
    void aDisabledWebhooksEventsWaitAndGoToItsNewUrlOnceEnabled() throws Exception {
        String key = service.createUser(unique("e2e")).path("api_key").asText();
        String webhookId = service.call("POST", "/webhooks", key, json(Map.of("url", url(),
                "event_types", List.of("video.completed")))).json().path("webhook_id").asText();
        assertThat(service.call("PATCH", "/webhooks/" + webhookId, key, json(Map.of("enabled", false))).status())
                .isEqualTo(200);

        String videoId = service.upload(key, new TestService.Form().file("video", "clip.mp4",
                "frames".getBytes(StandardCharsets.UTF_8))).json().path("video_id").asText();
        await().atMost(WAIT).until(() -> service.get("/videos/" + videoId, key).json().path("status").asText()
                .equals("completed"));
        JsonNode waiting = await().atMost(WAIT).until(() -> service.get("/webhooks/" + webhookId
                + "/deliveries", key).json(), page -> page.path("total").asInt() == 1);
        assertThat(waiting.path("items").get(0).path("state").asText()).as("waits while disabled")
                .isEqualTo("pending");
        Response moved = service.call("PATCH", "/webhooks/" + webhookId, key, json(Map.of("url", url() + "/moved",
                "enabled", true)));
        assertThat(moved.status()).as(moved.text()).isEqualTo(200);

        Received arrived = await().atMost(WAIT).until(() -> received.stream()
                .filter(request -> request.json().path("data").path("video_id").asText().equals(videoId))
                .findFirst().orElse(null), request -> request != null);
        assertThat(arrived.path()).as("sent to the url it has now").isEqualTo("/hook/moved");
        assertThat(arrived.json().path("type").asText()).isEqualTo("video.completed");
    }

    /**
     * The Standard Webhooks check, written from the specification: HMAC-SHA256 keyed with the base64 after
     * {@code whsec_}, over {@code id.timestamp.body}, compared in constant time with each {@code v1,} entry; a
     * timestamp more than 5 minutes away is refused.
     */
    static boolean verify(String secret, Received request) throws GeneralSecurityException {
        String id = request.header("webhook-id");
        String timestamp = request.header("webhook-timestamp");
        if (id.isEmpty() || timestamp.isEmpty()
                || Math.abs(Instant.now().getEpochSecond() - Long.parseLong(timestamp)) > 300) {
            return false;
        }
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(Base64.getDecoder().decode(secret.substring("whsec_".length())), "HmacSHA256"));
        mac.update((id + "." + timestamp + ".").getBytes(StandardCharsets.UTF_8));
        byte[] expected = mac.doFinal(request.body());
        for (String entry : request.header("webhook-signature").split(" ")) {
            if (entry.startsWith("v1,") && MessageDigest.isEqual(expected,
                    Base64.getDecoder().decode(entry.substring(3)))) {
                return true;
            }
        }
        return false;
    }
}
