package dev.weft.service.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.weft.cache.CacheStats;
import dev.weft.service.TestBackends;
import dev.weft.service.TestService;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The key path of every authenticated request, through the real service on SQLite: the rate limit comes before the key
 * lookup (a refused request touches neither the principal cache nor the database), a user key's principal is cached
 * after its first request, and the cached principal goes at once when the key is rotated, the user deactivated or
 * deleted.
 */
@Timeout(120)
class ApiKeyAuthTest {
    @Test
    void aRefusedRequestIsRefusedBeforeItsKeyIsLookedUp() {
        try (TestService service = new TestService(TestBackends.SQLITE, config -> config.withRateLimit(3))) {
            String unknownKey = TestService.unique("wk_unknown");
            List<Integer> statuses = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                statuses.add(service.get("/users/1", unknownKey).status());
            }
            CacheStats before = principalStats(service);
            for (int i = 0; i < 5; i++) {
                TestService.Response answer = service.get("/users/1", unknownKey);
                statuses.add(answer.status());
            }
            CacheStats after = principalStats(service);

            // the window may roll over once during the loop; what matters is that refused keys cost no lookup
            assertThat(statuses.subList(0, 3)).containsOnly(401);
            assertThat(statuses.subList(3, 8)).contains(429);
            long refused = statuses.subList(3, 8).stream().filter(status -> status == 429).count();
            assertThat(after.misses() + after.hits() - before.misses() - before.hits())
                    .as("principal lookups during 5 requests of which %d were refused", refused)
                    .isEqualTo(5 - refused);
        }
    }

    @Test
    void aUserKeysPrincipalIsCachedAfterItsFirstRequest() {
        try (TestService service = new TestService(TestBackends.SQLITE)) {
            JsonNode user = service.createUser(TestService.unique("cached"));
            String key = user.path("api_key").asText();
            long id = user.path("id").asLong();

            assertThat(service.get("/users/" + id, key).status()).isEqualTo(200);
            CacheStats before = principalStats(service);
            for (int i = 0; i < 5; i++) {
                assertThat(service.get("/users/" + id, key).status()).isEqualTo(200);
            }
            CacheStats after = principalStats(service);

            assertThat(after.hits() - before.hits()).isEqualTo(5);
            assertThat(after.loads() - before.loads()).isZero();
        }
    }

    @Test
    void rotatingAKeyRetiresTheOldOneAtOnce() {
        try (TestService service = new TestService(TestBackends.SQLITE)) {
            JsonNode user = service.createUser(TestService.unique("rotate"));
            String oldKey = user.path("api_key").asText();
            long id = user.path("id").asLong();
            assertThat(service.get("/users/" + id, oldKey).status()).isEqualTo(200); // now cached

            TestService.Response rotated = service.call("POST", "/users/" + id + "/api-key", oldKey, null);

            assertThat(rotated.status()).isEqualTo(200);
            assertThat(rotated.header("Cache-Control")).as("the new key is shown: no cache keeps it")
                    .isEqualTo("no-store");
            String newKey = rotated.json().path("api_key").asText();
            assertThat(newKey).startsWith("wk_").isNotEqualTo(oldKey);
            assertThat(rotated.json().path("id").asLong()).isEqualTo(id);
            TestService.assertProblem(service.get("/users/" + id, oldKey), 401, "unauthorized");
            assertThat(service.get("/users/" + id, newKey).status()).isEqualTo(200);
        }
    }

    @Test
    void aUserStoredWithoutAKeyCanBeGivenOneAndDeleted() {
        try (TestService service = new TestService(TestBackends.SQLITE)) {
            long keyless = service.createUser(TestService.unique("keyless")).path("id").asLong();
            long other = service.createUser(TestService.unique("keyless2")).path("id").asLong();
            service.service.context().database().execute("UPDATE users SET api_key_hash = NULL WHERE id IN (:a, :b)",
                    java.util.Map.of("a", keyless, "b", other));

            TestService.Response rotated = service.admin("POST", "/users/" + keyless + "/api-key", null);

            assertThat(rotated.status()).isEqualTo(200);
            assertThat(service.get("/users/" + keyless, rotated.json().path("api_key").asText()).status())
                    .isEqualTo(200);
            assertThat(service.admin("DELETE", "/users/" + other, null).status()).isEqualTo(204);
            TestService.assertProblem(service.admin("POST", "/users/" + other + "/api-key", null), 404, "not_found");
        }
    }

    @Test
    void aUserKeyCannotRotateAnotherUsersKey() {
        try (TestService service = new TestService(TestBackends.SQLITE)) {
            JsonNode mallory = service.createUser(TestService.unique("mallory"));
            JsonNode alice = service.createUser(TestService.unique("alice"));

            TestService.Response answer = service.call("POST", "/users/" + alice.path("id").asLong() + "/api-key",
                    mallory.path("api_key").asText(), null);

            TestService.assertProblem(answer, 404, "not_found");
            assertThat(service.get("/users/" + alice.path("id").asLong(), alice.path("api_key").asText()).status())
                    .isEqualTo(200);
        }
    }

    @Test
    void deactivatingOrDeletingAUserRetiresItsCachedKeyAtOnce() {
        try (TestService service = new TestService(TestBackends.SQLITE)) {
            JsonNode paused = service.createUser(TestService.unique("paused"));
            JsonNode gone = service.createUser(TestService.unique("gone"));
            String pausedKey = paused.path("api_key").asText();
            String goneKey = gone.path("api_key").asText();
            assertThat(service.get("/users/" + paused.path("id").asLong(), pausedKey).status()).isEqualTo(200);
            assertThat(service.get("/users/" + gone.path("id").asLong(), goneKey).status()).isEqualTo(200);

            assertThat(service.admin("PATCH", "/users/" + paused.path("id").asLong(), "{\"is_active\":false}")
                    .status()).isEqualTo(200);
            assertThat(service.admin("DELETE", "/users/" + gone.path("id").asLong(), null).status()).isEqualTo(204);

            TestService.assertProblem(service.get("/users/" + paused.path("id").asLong(), pausedKey), 401,
                    "unauthorized");
            TestService.assertProblem(service.get("/users/" + gone.path("id").asLong(), goneKey), 401,
                    "unauthorized");
            assertThat(service.admin("PATCH", "/users/" + paused.path("id").asLong(), "{\"is_active\":true}")
                    .status()).isEqualTo(200);
            assertThat(service.get("/users/" + paused.path("id").asLong(), pausedKey).status()).isEqualTo(200);
        }
    }

    @Test
    void aPathWithACharacterThatMustBeEncodedIsA400() throws Exception {
        try (TestService service = new TestService(TestBackends.SQLITE)) {
            for (String path : List.of("/users/<1>", "/users/%zz", "/health/live%4")) {
                assertThat(rawGet(service.service.port(), path)).as(path).startsWith("HTTP/1.1 400")
                        .contains("application/problem+json").contains("\"code\":\"invalid_path\"");
            }
            assertThat(rawGet(service.service.port(), "/health/%6Cive")).startsWith("HTTP/1.1 200");
        }
    }

    @Test
    void aContentTypeThatCannotBeParsedIsA415NotA500() throws Exception {
        try (TestService service = new TestService(TestBackends.SQLITE)) {
            String body = "{\"email\":\"ct@example.com\",\"username\":\"ctype\"}";
            for (String type : List.of(";;;==", "application/json; charset", "/")) {
                String answer = raw(service.service.port(), "POST /users HTTP/1.1\r\nHost: x\r\nX-API-Key: "
                        + TestService.ADMIN_KEY + "\r\nContent-Type: " + type + "\r\nContent-Length: "
                        + body.length() + "\r\n\r\n" + body);
                assertThat(answer).as(type).startsWith("HTTP/1.1 415").contains("application/problem+json")
                        .contains("\"code\":\"unsupported_media_type\"");
            }
        }
    }

    @Test
    void aQueryWithACharacterThatMustBeEncodedIsA400ThatSaysSo() throws Exception {
        try (TestService service = new TestService(TestBackends.SQLITE)) {
            for (String target : List.of("/health/live?x=%zz", "/users?limit=%4", "/users?x=<1>")) {
                assertThat(rawGet(service.service.port(), target)).as(target).startsWith("HTTP/1.1 400")
                        .contains("application/problem+json").contains("\"code\":\"invalid_query\"")
                        .contains("the query string").doesNotContain("%zz").doesNotContain("<1>");
            }
            assertThat(rawGet(service.service.port(), "/health/live?x=%41&y=a+b")).startsWith("HTTP/1.1 200");
            // answered before any filter, yet on /metrics
            assertThat(service.admin("GET", "/metrics", null).text())
                    .contains("weft_http_server_rejected_total{code=\"invalid_query\",status=\"400\"} 3.0");
        }
    }

    @Test
    void aMissingRepeatedOrMalformedHostIsA400() throws Exception {
        try (TestService service = new TestService(TestBackends.SQLITE)) {
            int port = service.service.port();
            for (String hostLines : List.of("", "Host: a\r\nHost: b\r\n", "Host: \r\n", "Host: a b\r\n",
                    "Host: a@b:80\r\n", "Host: [::1\r\n")) {
                assertThat(raw(port, "GET /health/live HTTP/1.1\r\n" + hostLines + "\r\n")).as(hostLines)
                        .startsWith("HTTP/1.1 400").contains("application/problem+json")
                        .contains("\"code\":\"invalid_host\"");
            }
            // a port that is not a number Helidon itself refuses before any filter (its light check stays on)
            assertThat(raw(port, "GET /health/live HTTP/1.1\r\nHost: a:http\r\n\r\n")).startsWith("HTTP/1.1 400")
                    .contains("application/problem+json");
            for (String host : List.of("x", "127.0.0.1:" + port, "[::1]:" + port, "api.example.com")) {
                assertThat(raw(port, "GET /health/live HTTP/1.1\r\nHost: " + host + "\r\n\r\n")).as(host)
                        .startsWith("HTTP/1.1 200");
            }
        }
    }

    private static CacheStats principalStats(TestService service) {
        return service.service.context().caches().get(dev.weft.service.CacheKeys.PRINCIPALS).stats();
    }

    /** A GET sent byte for byte (Java's HTTP client refuses such paths); returns the first answer. */
    private static String rawGet(int port, String path) throws java.io.IOException {
        return raw(port, "GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n");
    }

    /** A request's head sent byte for byte; returns the first answer. */
    private static String raw(int port, String head) throws java.io.IOException {
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(head.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            java.io.InputStream in = socket.getInputStream();
            StringBuilder text = new StringBuilder();
            byte[] buffer = new byte[4096];
            while (!text.toString().contains("}")) { // the connection stays open: read up to the body's end
                int read = in.read(buffer);
                if (read < 0) {
                    break;
                }
                text.append(new String(buffer, 0, read, java.nio.charset.StandardCharsets.UTF_8));
            }
            return text.toString();
        }
    }
}
