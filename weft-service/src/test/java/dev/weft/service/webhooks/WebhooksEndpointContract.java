package dev.weft.service.webhooks;

import static dev.weft.service.TestService.assertProblem;
import static dev.weft.service.TestService.json;
import static dev.weft.service.TestService.unique;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.weft.service.TestBackends;
import dev.weft.service.TestService;
import dev.weft.service.TestService.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * API.md's webhooks endpoints through HTTP, on one database (each subclass names it): the secret shown once and never
 * again, URLs that reach private places refused with a 400 problem, the owner-only rule (another user's webhook is a
 * 404), the per-user limit, re-enabling, deletion, test pings, the delivery log and retries.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
abstract class WebhooksEndpointContract {
    static final int MAX_PER_USER = 3;
    /** A receiver nobody listens on: registration does not call it. */
    static final String RECEIVER = "http://127.0.0.1:9/hook";
    TestService service;

    abstract TestBackends backend();

    @BeforeAll
    void start() {
        service = new TestService(backend(), config -> config.withWebhooks(loopback(MAX_PER_USER)));
    }

    /** @param maxPerUser the limit @return the defaults, with http to loopback allowed */
    static WebhooksConfig loopback(int maxPerUser) {
        WebhooksConfig base = WebhooksConfig.defaults();
        return new WebhooksConfig(true, base.allowedNetworks(), base.timeout(), base.maxResponseBytes(),
                base.secretKey(), base.retryFor(), base.disableAfter(), maxPerUser);
    }

    @AfterAll
    void stop() {
        if (service != null) {
            service.close();
        }
    }

    String userKey() {
        return service.createUser(unique("wh")).path("api_key").asText();
    }

    Response register(String key, Map<String, Object> body) {
        return service.call("POST", "/webhooks", key, json(body));
    }

    JsonNode registered(String key) {
        Response created = register(key, Map.of("url", RECEIVER));
        assertThat(created.status()).as(created.text()).isEqualTo(201);
        return created.json();
    }

    @Test
    void registeringAnswersTheSecretOnceAndNoReadShowsItAgain() {
        String key = userKey();

        Response created = register(key, Map.of("url", RECEIVER, "description", "build bot"));
        String id = created.json().path("webhook_id").asText();
        String secret = created.json().path("secret").asText();
        Response one = service.get("/webhooks/" + id, key);
        Response list = service.get("/webhooks", key);
        Response asAdmin = service.admin("GET", "/webhooks/" + id, null);

        assertThat(created.status()).as(created.text()).isEqualTo(201);
        assertThat(created.header("Location")).isEqualTo("/webhooks/" + id);
        assertThat(created.header("Cache-Control")).as("the secret is shown: no cache keeps it").isEqualTo("no-store");
        assertThat(id).matches("wh_[a-z2-7]{20}");
        assertThat(secret).matches("whsec_[A-Za-z0-9+/]{43}=");
        assertThat(created.json().path("event_types")).hasSize(6);
        assertThat(created.json().path("enabled").asBoolean()).isTrue();
        assertThat(one.status()).isEqualTo(200);
        assertThat(one.json().path("deliveries").path("pending").asInt()).isZero();
        assertThat(list.json().path("items")).hasSize(1);
        for (Response read : List.of(one, list, asAdmin)) {
            assertThat(read.text()).doesNotContain(secret).doesNotContain("whsec_").doesNotContain("secret");
        }
        String stored = service.service.context().database().query(
                "SELECT secret_sealed FROM webhooks WHERE webhook_id = :id", Map.of("id", id)).one(String.class);
        assertThat(stored).doesNotContain(secret.substring("whsec_".length()));
    }

    @Test
    void anIdempotencyKeyRegistersOnceAndReplaysTheSameSecret() {
        String key = userKey();
        String idempotency = "hook-" + System.nanoTime();
        String body = json(Map.of("url", RECEIVER, "description", "once"));
        String reordered = "{ \"description\": \"once\",\n  \"url\": \"" + RECEIVER + "\" }";

        Response first = service.call("POST", "/webhooks", key, body, "Idempotency-Key", idempotency);
        Response replay = service.call("POST", "/webhooks", key, reordered, "Idempotency-Key", idempotency);
        Response other = service.call("POST", "/webhooks", key, json(Map.of("url", RECEIVER, "description", "two")),
                "Idempotency-Key", idempotency);

        assertThat(first.status()).as(first.text()).isEqualTo(201);
        assertThat(replay.status()).isEqualTo(201);
        assertThat(replay.header("Idempotent-Replayed")).isEqualTo("true");
        assertThat(replay.json().path("webhook_id")).isEqualTo(first.json().path("webhook_id"));
        assertThat(replay.json().path("secret").asText()).startsWith("whsec_")
                .isEqualTo(first.json().path("secret").asText());
        assertThat(replay.header("Location")).isEqualTo(first.header("Location"));
        assertThat(replay.header("Cache-Control")).isEqualTo("no-store");
        assertThat(replay.text()).doesNotContain("sealed");
        assertProblem(other, 422, "idempotency_mismatch");
        assertThat(service.get("/webhooks", key).json().path("total").asLong()).isEqualTo(1);
    }

    @Test
    void eventTypesDefaultToEveryVideoTypeAndAnUnknownOneIsNamed() {
        String key = userKey();

        Response some = register(key, Map.of("url", RECEIVER, "event_types", List.of("video.completed",
                "video.failed", "video.completed")));
        Response unknown = register(key, Map.of("url", RECEIVER, "event_types", List.of("video.completed",
                "video.exploded")));
        Response empty = register(key, Map.of("url", RECEIVER, "event_types", List.of()));
        Response extra = register(key, Map.of("url", RECEIVER, "secret", "whsec_mine"));
        Map<String, Object> allByNull = new java.util.HashMap<>();
        allByNull.put("url", RECEIVER);
        allByNull.put("event_types", null);
        Response all = register(key, allByNull);

        assertThat(some.json().path("event_types").toString()).isEqualTo("[\"video.completed\",\"video.failed\"]");
        assertProblem(unknown, 400, "validation_failed");
        assertThat(unknown.json().path("errors").get(0).path("field").asText()).isEqualTo("event_types[1]");
        assertProblem(empty, 400, "validation_failed");
        assertProblem(extra, 400, "unknown_field");
        assertThat(all.status()).as(all.text()).isEqualTo(201);
        assertThat(all.json().path("event_types")).as("null as omitted").hasSize(6);
    }

    @Test
    void aHugeUnknownFieldNameIsCutTo64CharactersInTheProblem() {
        String key = userKey();
        String name = "x".repeat(10_000);

        Response extra = register(key, Map.of("url", RECEIVER, name, 1));

        assertProblem(extra, 400, "unknown_field");
        assertThat(extra.json().path("errors").get(0).path("field").asText()).isEqualTo("x".repeat(64));
        assertThat(extra.json().path("detail").asText()).hasSizeLessThan(100).contains("x".repeat(64));
        assertThat(extra.text()).doesNotContain("x".repeat(65));
    }

    @Test
    void urlsThatReachPrivatePlacesAreRefusedWithAProblemNamingTheField() {
        String key = userKey();
        List<String> refused = List.of("http://example.com/hook", "ftp://127.0.0.1/hook",
                "https://10.0.0.1/hook", "https://192.168.1.20/hook", "https://169.254.169.254/latest/meta-data",
                "https://[fd00::1]/hook", "https://[::ffff:10.0.0.1]/hook", "https://0x0a000001/hook",
                "https://167772161/hook", "https://user:pw@127.0.0.1/hook", "not a url", "https:///hook");
        List<String> failures = new ArrayList<>();

        for (String url : refused) {
            Response answer = register(key, Map.of("url", url));
            JsonNode body = answer.json();
            boolean ok = answer.status() == 400 && answer.header("Content-Type").startsWith("application/problem+json")
                    && body.path("code").asText().equals("webhook_url_refused")
                    && body.path("errors").get(0).path("field").asText().equals("url");
            if (!ok) {
                failures.add(url + " -> " + answer.status() + " " + answer.text());
            }
        }

        assertThat(failures).isEmpty();
        assertThat(service.get("/webhooks", key).json().path("total").asInt()).isZero();
    }

    @Test
    void anotherUsersWebhookIsNotFoundAndOnlyTheAdminListsEveryone() {
        String owner = userKey();
        String other = userKey();
        JsonNode webhook = registered(owner);
        String path = "/webhooks/" + webhook.path("webhook_id").asText();
        long ownerId = webhook.path("user_id").asLong();

        assertProblem(service.get(path, other), 404, "not_found");
        assertProblem(service.call("PATCH", path, other, "{\"enabled\":false}"), 404, "not_found");
        assertProblem(service.call("DELETE", path, other, null), 404, "not_found");
        assertProblem(service.call("POST", path + "/rotate-secret", other, null), 404, "not_found");
        assertProblem(service.get("/webhooks?user_id=" + ownerId, other), 403, "forbidden");
        Response forOther = register(other, Map.of("url", RECEIVER, "user_id", ownerId));
        assertProblem(forOther, 403, "forbidden_field"); // API.md: a user setting an admin-only field
        assertThat(forOther.json().path("detail").asText()).startsWith("user_id ");
        assertThat(service.get("/webhooks", other).json().path("total").asInt()).isZero();
        assertThat(service.admin("GET", path, null).status()).isEqualTo(200);
        JsonNode listed = service.admin("GET", "/webhooks?user_id=" + ownerId, null).json();
        assertThat(listed.path("total").asInt()).isEqualTo(1);
        assertThat(listed.path("items").get(0).path("webhook_id").asText()).isEqualTo(webhook.path("webhook_id")
                .asText());
        assertProblem(service.get("/webhooks/wh_nosuchwebhook", owner), 404, "not_found");
    }

    @Test
    void theAdminRegistersForAUserItNames() {
        long userId = service.createUser(unique("wh")).path("id").asLong();

        Response forUser = service.admin("POST", "/webhooks", json(Map.of("url", RECEIVER, "user_id", userId)));
        Response nobody = service.admin("POST", "/webhooks", json(Map.of("url", RECEIVER)));
        Response missing = service.admin("POST", "/webhooks", json(Map.of("url", RECEIVER, "user_id", 1L << 40)));

        assertThat(forUser.status()).as(forUser.text()).isEqualTo(201);
        assertThat(forUser.json().path("user_id").asLong()).isEqualTo(userId);
        assertProblem(nobody, 400, "validation_failed");
        assertProblem(missing, 404, "not_found");
    }

    @Test
    void aUserAtTheLimitGetsAConflict() {
        String key = userKey();
        for (int i = 0; i < MAX_PER_USER; i++) {
            registered(key);
        }

        Response over = register(key, Map.of("url", RECEIVER));

        assertProblem(over, 409, "too_many_webhooks");
        assertThat(service.get("/webhooks", key).json().path("total").asInt()).isEqualTo(MAX_PER_USER);
    }

    @Test
    void enablingClearsWhyItWasDisabledAndANewUrlIsCheckedAgain() {
        String key = userKey();
        String id = registered(key).path("webhook_id").asText();
        String path = "/webhooks/" + id;

        JsonNode off = service.call("PATCH", path, key, "{\"enabled\":false}").json();
        service.service.context().database().execute("UPDATE webhooks SET disabled_reason = :reason,"
                + " failing_since = :since WHERE webhook_id = :id", Map.of("reason", "receiver answered 410 Gone",
                        "since", 1_700_000_000_000L, "id", id));
        JsonNode gone = service.get(path, key).json();
        Response on = service.call("PATCH", path, key, "{\"enabled\":true,\"description\":\"again\"}");
        Response privateUrl = service.call("PATCH", path, key, "{\"url\":\"https://10.1.2.3/hook\"}");
        Response nullUrl = service.call("PATCH", path, key, "{\"url\":null}");
        Response moved = service.call("PATCH", path, key, "{\"url\":\"http://127.0.0.1:8/other\"}");

        assertThat(off.path("enabled").asBoolean()).isFalse();
        assertThat(off.path("disabled_reason").asText()).isEqualTo("disabled by its owner");
        assertThat(off.path("disabled_at").isTextual()).isTrue();
        assertThat(gone.path("failing_since").asText()).startsWith("2023-11-14T");
        assertThat(on.status()).as(on.text()).isEqualTo(200);
        assertThat(on.json().path("enabled").asBoolean()).isTrue();
        assertThat(on.json().path("description").asText()).isEqualTo("again");
        assertThat(on.json().path("disabled_reason").isNull()).isTrue();
        assertThat(on.json().path("disabled_at").isNull()).isTrue();
        assertThat(on.json().path("failing_since").isNull()).isTrue();
        assertProblem(privateUrl, 400, "webhook_url_refused");
        assertProblem(nullUrl, 400, "validation_failed");
        assertThat(moved.json().path("url").asText()).isEqualTo("http://127.0.0.1:8/other");
    }

    @Test
    void rotatingTheSecretAnswersANewOneOnce() {
        String key = userKey();
        JsonNode webhook = registered(key);
        String path = "/webhooks/" + webhook.path("webhook_id").asText();

        Response rotated = service.call("POST", path + "/rotate-secret", key, null);

        assertThat(rotated.status()).as(rotated.text()).isEqualTo(200);
        assertThat(rotated.header("Cache-Control")).isEqualTo("no-store");
        assertThat(rotated.json().path("secret").asText()).startsWith("whsec_")
                .isNotEqualTo(webhook.path("secret").asText());
        assertThat(service.get(path, key).text()).doesNotContain("whsec_");
    }

    @Test
    void deletingRemovesTheWebhookAndCancelsItsPendingDeliveries() {
        String key = userKey();
        JsonNode webhook = registered(key);
        String id = webhook.path("webhook_id").asText();
        service.service.context().database().execute("INSERT INTO webhook_deliveries (delivery_id, webhook_id,"
                + " user_id, url, message_id, event_type, payload, state, attempts, next_attempt_at, created_at)"
                + " VALUES (:delivery, :webhook, :user, :url, 'msg_test_x', 'webhook.test', '{}', 'pending', 0,"
                + " :due, :now)", Map.of("delivery", "dlv_" + unique(""), "webhook", id, "user",
                        webhook.path("user_id").asLong(), "url", RECEIVER,
                        "due", Long.MAX_VALUE / 4, "now", java.time.Instant.now()));

        Response deleted = service.call("DELETE", "/webhooks/" + id, key, null);

        assertThat(deleted.status()).isEqualTo(204);
        assertProblem(service.get("/webhooks/" + id, key), 404, "not_found");
        assertProblem(service.call("DELETE", "/webhooks/" + id, key, null), 404, "not_found");
        assertThat(service.service.context().database().query("SELECT state FROM webhook_deliveries"
                + " WHERE webhook_id = :id", Map.of("id", id)).list(String.class)).containsExactly("cancelled");
    }

    @Test
    void aTestPingIsQueuedAndItsDeliveryListedWithItsAttemptsAndNoSecret() {
        String key = userKey();
        JsonNode webhook = registered(key);
        String path = "/webhooks/" + webhook.path("webhook_id").asText();

        Response ping = service.call("POST", path + "/test", key, null);
        String deliveryId = ping.json().path("delivery_id").asText();
        Response list = service.get(path + "/deliveries", key);
        Response one = service.get(path + "/deliveries/" + deliveryId, key);
        Response delivered = service.get(path + "/deliveries?state=delivered", key);
        Response badState = service.get(path + "/deliveries?state=lost", key);

        assertThat(ping.status()).as(ping.text()).isEqualTo(202);
        assertThat(ping.json().path("state").asText()).isEqualTo("pending");
        assertThat(list.status()).as(list.text()).isEqualTo(200);
        assertThat(list.json().path("total").asInt()).isEqualTo(1);
        JsonNode item = list.json().path("items").get(0);
        assertThat(item.path("delivery_id").asText()).isEqualTo(deliveryId);
        assertThat(item.path("event_type").asText()).isEqualTo("webhook.test");
        assertThat(item.path("message_id").asText()).startsWith("msg_test_");
        assertThat(one.status()).as(one.text()).isEqualTo(200);
        assertThat(one.json().path("attempt_history").isArray()).isTrue();
        assertThat(delivered.json().path("total").asInt()).isZero();
        assertProblem(badState, 400, "invalid_parameter");
        for (Response read : List.of(list, one)) {
            assertThat(read.text()).doesNotContain("whsec_").doesNotContain("secret").doesNotContain("payload");
        }
    }

    @Test
    void deliveriesOfAnotherUsersWebhookOrOfAnotherWebhookAreNotFound() {
        String owner = userKey();
        String other = userKey();
        String path = "/webhooks/" + registered(owner).path("webhook_id").asText();
        String otherPath = "/webhooks/" + registered(owner).path("webhook_id").asText();
        String deliveryId = service.call("POST", path + "/test", owner, null).json().path("delivery_id").asText();

        assertProblem(service.call("POST", path + "/test", other, null), 404, "not_found");
        assertProblem(service.get(path + "/deliveries", other), 404, "not_found");
        assertProblem(service.get(path + "/deliveries/" + deliveryId, other), 404, "not_found");
        assertProblem(service.call("POST", path + "/deliveries/" + deliveryId + "/retry", other, null), 404,
                "not_found");
        assertProblem(service.get(otherPath + "/deliveries/" + deliveryId, owner), 404, "not_found");
        assertProblem(service.get(path + "/deliveries/dlv_none", owner), 404, "not_found");
        assertThat(service.admin("GET", path + "/deliveries/" + deliveryId, null).status()).isEqualTo(200);
    }

    @Test
    void aRetryPutsAFailedDeliveryBackAndRefusesADeliveredOne() {
        String key = userKey();
        String path = "/webhooks/" + registered(key).path("webhook_id").asText();
        String failed = service.call("POST", path + "/test", key, null).json().path("delivery_id").asText();
        String done = service.call("POST", path + "/test", key, null).json().path("delivery_id").asText();
        setState(failed, "failed");
        setState(done, "delivered");

        Response retried = service.call("POST", path + "/deliveries/" + failed + "/retry", key, null);
        Response refused = service.call("POST", path + "/deliveries/" + done + "/retry", key, null);

        assertThat(retried.status()).as(retried.text()).isEqualTo(202);
        assertThat(service.get(path + "/deliveries/" + failed, key).json().path("state").asText())
                .isIn("pending", "delivered", "failed");
        assertThat(service.service.context().database().query("SELECT state FROM webhook_deliveries WHERE"
                + " delivery_id = :id", Map.of("id", failed)).one(String.class)).isNotEqualTo("cancelled");
        assertProblem(refused, 409, "delivery_final");
    }

    @Test
    void aDisabledWebhookRefusesATestPingAndARetry() {
        String key = userKey();
        String path = "/webhooks/" + registered(key).path("webhook_id").asText();
        String failed = service.call("POST", path + "/test", key, null).json().path("delivery_id").asText();
        setState(failed, "failed");
        service.call("PATCH", path, key, "{\"enabled\":false}");

        assertProblem(service.call("POST", path + "/test", key, null), 409, "webhook_disabled");
        assertProblem(service.call("POST", path + "/deliveries/" + failed + "/retry", key, null), 409,
                "webhook_disabled");
        assertThat(service.service.context().database().query("SELECT state FROM webhook_deliveries WHERE"
                + " delivery_id = :id", Map.of("id", failed)).one(String.class)).isEqualTo("failed");
    }

    void setState(String deliveryId, String state) {
        service.service.context().database().execute("UPDATE webhook_deliveries SET state = :state,"
                + " lease_owner = NULL, lease_expires_at = NULL WHERE delivery_id = :id",
                Map.of("state", state, "id", deliveryId));
    }
}
