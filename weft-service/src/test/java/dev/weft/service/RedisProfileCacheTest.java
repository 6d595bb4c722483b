package dev.weft.service;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.weft.core.Secret;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Two instances over one PostgreSQL schema and one Redis: a profile cached by one is invalidated by a change made
 * through the other, and a second database never sees the first one's entries although its ids are the same.
 */
class RedisProfileCacheTest {
    private static final String REDIS = "redis://127.0.0.1:6379";

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aChangeThroughOneInstanceInvalidatesTheProfileCachedByTheOther() {
        try (TestBackends.Isolated database = TestBackends.POSTGRESQL.isolate()) {
            ServiceConfig config = sharedRedisConfig(database);
            try (WeftService first = WeftService.builder(config).jvmMetrics(false).build().start();
                    WeftService second = WeftService.builder(config).jvmMetrics(false).build().start()) {
                Client a = new Client(first.port());
                Client b = new Client(second.port());
                long id = a.createUser(TestService.unique("r"));

                assertThat(a.profile(id).header("X-Cache")).isEqualTo("miss");
                assertThat(a.profile(id).header("X-Cache")).isEqualTo("hit");
                assertThat(b.profile(id).header("X-Cache")).isEqualTo("hit");
                b.call("PATCH", "/users/" + id, "{\"full_name\":\"Changed\"}");

                Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).untilAsserted(() ->
                        assertThat(a.profile(id).json().path("full_name").asText()).isEqualTo("Changed"));
                assertThat(first.context().cacheScope()).isEqualTo(second.context().cacheScope());
            }
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aKeyRetiredThroughOneInstanceIsRefusedByTheOtherThatCachedIt() {
        try (TestBackends.Isolated database = TestBackends.POSTGRESQL.isolate()) {
            ServiceConfig config = sharedRedisConfig(database);
            try (WeftService first = WeftService.builder(config).jvmMetrics(false).build().start();
                    WeftService second = WeftService.builder(config).jvmMetrics(false).build().start()) {
                Client a = new Client(first.port());
                Client b = new Client(second.port());
                String name = TestService.unique("k");
                JsonNode user = a.call("POST", "/users", TestService.json(java.util.Map.of("email",
                        name + "@example.com", "username", name))).json();
                long id = user.path("id").asLong();
                String key = user.path("api_key").asText();
                // cached on both instances
                assertThat(TestServiceCalls.call(first.port(), "GET", "/users/" + id, key, null).status())
                        .isEqualTo(200);
                assertThat(TestServiceCalls.call(second.port(), "GET", "/users/" + id, key, null).status())
                        .isEqualTo(200);

                String rotated = TestServiceCalls.call(second.port(), "POST", "/users/" + id + "/api-key", key, null)
                        .json().path("api_key").asText();

                Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).untilAsserted(() ->
                        assertThat(TestServiceCalls.call(first.port(), "GET", "/users/" + id, key, null).status())
                                .isEqualTo(401));
                assertThat(TestServiceCalls.call(first.port(), "GET", "/users/" + id, rotated, null).status())
                        .isEqualTo(200);
                b.call("PATCH", "/users/" + id, "{\"is_active\":false}");
                Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).untilAsserted(() ->
                        assertThat(TestServiceCalls.call(first.port(), "GET", "/users/" + id, rotated, null).status())
                                .isEqualTo(401));
            }
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void twoDatabasesOnOneRedisDoNotShareEntries() {
        try (TestService one = new TestService(TestBackends.SQLITE, config -> config.withRedisUrl(REDIS));
                TestService two = new TestService(TestBackends.SQLITE, config -> config.withRedisUrl(REDIS))) {
            long id = one.createUser(TestService.unique("p"), 1).path("id").asLong();
            long same = two.createUser(TestService.unique("q"), 2).path("id").asLong();
            one.admin("GET", "/user-profile/" + id, null);

            JsonNode other = two.admin("GET", "/user-profile/" + same, null).json();

            assertThat(same).isEqualTo(id);
            assertThat(other.path("credits").asLong()).isEqualTo(2);
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void twoDatabasesOnOneRedisDoNotShareAdminCacheEntries() {
        try (TestService one = new TestService(TestBackends.SQLITE, config -> config.withRedisUrl(REDIS));
                TestService two = new TestService(TestBackends.SQLITE, config -> config.withRedisUrl(REDIS))) {
            String key = TestService.unique("shared");
            assertThat(one.admin("PUT", "/cache/" + key, "{\"value\":\"one's\"}").status()).isEqualTo(204);

            TestService.Response other = two.admin("GET", "/cache/" + key, null);
            TestService.Response own = one.admin("GET", "/cache/" + key, null);

            TestService.assertProblem(other, 404, "not_found");
            assertThat(own.json().path("value").asText()).isEqualTo("one's");
        }
    }

    /** @return the config of instances over {@code database} that share the test Redis */
    private static ServiceConfig sharedRedisConfig(TestBackends.Isolated database) {
        return ServiceConfig.defaults().withPort(0).withDataDir(database.dataDir()).withDatabase(database.config())
                .withAdminKey(Secret.of(TestService.ADMIN_KEY)).withRedisUrl(REDIS);
    }

    /** A thin client of one instance. */
    private record Client(int port) {
        TestService.Response call(String method, String path, String body) {
            return TestServiceCalls.call(port, method, path, TestService.ADMIN_KEY, body);
        }

        TestService.Response profile(long id) {
            return call("GET", "/user-profile/" + id, null);
        }

        long createUser(String name) {
            return call("POST", "/users", TestService.json(java.util.Map.of("email", name + "@example.com",
                    "username", name))).json().path("id").asLong();
        }
    }
}
