package dev.weft.service;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.db.DatabaseConfig;
import dev.weft.db.DatabaseType;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Admin key bootstrap, rate limits, public metrics, startup time and shutdown. */
class ServiceLifecycleTest {
    @TempDir
    Path dir;

    private ServiceConfig embedded() {
        return ServiceConfig.defaults().withPort(0).withDataDir(dir);
    }

    @Test
    void generatesTheAdminKeyOnceAndKeepsItHashed() {
        String key;
        try (WeftService first = WeftService.builder(embedded()).jvmMetrics(false).build().start()) {
            key = first.generatedAdminKey().orElseThrow();
            String stored = first.context().settings().get(ApiKeys.ADMIN_SETTING).orElseThrow();
            assertThat(stored).isEqualTo(ApiKeys.sha256(key)).doesNotContain(key);
            assertThat(first.context().apiKeys().authenticate(key)).contains(Principal.adminKey());
        }
        try (WeftService second = WeftService.builder(embedded()).jvmMetrics(false).build().start()) {
            assertThat(second.generatedAdminKey()).isEmpty();
            assertThat(second.context().apiKeys().authenticate(key)).contains(Principal.adminKey());
            assertThat(second.context().apiKeys().authenticate(key + "x")).isEmpty();
        }
    }

    @Test
    void aConfiguredAdminKeyReplacesTheStoredOne() {
        try (WeftService first = WeftService.builder(embedded()).jvmMetrics(false).build().start()) {
            assertThat(first.generatedAdminKey()).isPresent();
        }
        try (WeftService second = WeftService.builder(embedded().withAdminKey(dev.weft.core.Secret.of("configured")))
                .jvmMetrics(false).build().start()) {
            assertThat(second.generatedAdminKey()).isEmpty();
            assertThat(second.context().apiKeys().authenticate("configured")).contains(Principal.adminKey());
        }
    }

    @Test
    void overTheRateLimitIsA429WithRetryAfter() {
        try (TestService service = new TestService(TestBackends.SQLITE, config -> config.withRateLimit(5))) {
            int limited = 0;
            String retryAfter = null;
            for (int i = 0; i < 20; i++) {
                TestService.Response response = service.admin("GET", "/database/pool-status", null);
                if (response.status() == 429) {
                    limited++;
                    retryAfter = response.header("Retry-After");
                    assertThat(response.json().path("code").asText()).isEqualTo("rate_limited");
                }
            }

            assertThat(limited).isGreaterThanOrEqualTo(10);
            assertThat(retryAfter).isNotNull();
            assertThat(Long.parseLong(retryAfter)).isBetween(1L, 2L);
            assertThat(service.get("/health/live", null).status()).isEqualTo(200);
        }
    }

    @Test
    void rateLimitsAreSharedThroughRedisAcrossInstances() {
        String redis = "redis://127.0.0.1:6379";
        try (TestService first = new TestService(TestBackends.SQLITE, config -> config.withRateLimit(10)
                .withRedisUrl(redis).withAdminKey(dev.weft.core.Secret.of(TestService.ADMIN_KEY + "-"
                        + System.nanoTime())));
                TestService second = new TestService(TestBackends.SQLITE, config -> config.withRateLimit(10)
                        .withRedisUrl(redis).withAdminKey(first.service.context().config().adminKey()))) {
            String key = first.service.context().config().adminKey().reveal();
            int ok = 0;
            for (int i = 0; i < 15; i++) {
                ok += first.call("GET", "/database/pool-status", key, null).status() == 200 ? 1 : 0;
                ok += second.call("GET", "/database/pool-status", key, null).status() == 200 ? 1 : 0;
            }

            assertThat(ok).isBetween(10, 16);
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aDownRedisCostsNoRequest() throws IOException {
        int closed;
        try (ServerSocket socket = new ServerSocket(0)) {
            closed = socket.getLocalPort();
        }
        String redis = "redis://127.0.0.1:" + closed;
        try (TestService service = new TestService(TestBackends.SQLITE, config -> config.withRedisUrl(redis))) {
            long id = service.createUser(TestService.unique("down"), 5).path("id").asLong();

            TestService.Response profile = service.admin("GET", "/user-profile/" + id, null);
            TestService.Response put = service.admin("PUT", "/cache/k1", "{\"value\":1}");

            assertThat(profile.status()).isEqualTo(200);
            assertThat(profile.json().path("credits").asLong()).isEqualTo(5);
            // the admin cache's entries live in Redis: a put it cannot store is a fast 503, not a 204 that kept nothing
            TestService.assertProblem(put, 503, "cache_unavailable");
            assertThat(put.header("Retry-After")).isEqualTo("1");
            assertThat(TestService.check(service.admin("GET", "/health", null).json(), "redis").path("status")
                    .asText()).isEqualTo("DOWN");
        }
    }

    @Test
    void metricsArePublicWhenConfigured() {
        try (TestService service = new TestService(TestBackends.SQLITE, config -> config.withMetricsPublic(true))) {
            assertThat(service.get("/metrics", null).status()).isEqualTo(200);
            assertThat(service.get("/metrics/database", null).status()).isEqualTo(401);
        }
    }

    @Test
    void readinessIsA503WhenMigrationsArePending() {
        try (TestService service = new TestService(TestBackends.SQLITE)) {
            service.service.context().migrations().rollback(1);

            TestService.Response ready = service.get("/health/ready", null);

            assertThat(ready.status()).isEqualTo(503);
            assertThat(ready.json().path("status").asText()).isEqualTo("DOWN");
            assertThat(TestService.check(ready.json(), "migrations").path("status").asText()).isEqualTo("DOWN");
        }
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void startsOnSqliteQuicklyAndFreesThePortOnClose() throws IOException {
        WeftService.builder(embedded()).jvmMetrics(false).build().start().close(); // warm the JVM's classes
        long started = System.nanoTime();
        WeftService service = WeftService.builder(embedded()).build().start();
        Duration startup = Duration.ofNanos(System.nanoTime() - started);
        int port = service.port();
        ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> lines =
                new ch.qos.logback.core.read.ListAppender<>();
        ch.qos.logback.classic.Logger log = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory
                .getLogger(WeftService.class);
        lines.start();
        log.addAppender(lines);

        try {
            service.close();
            service.close();
        } finally {
            log.detachAppender(lines);
        }

        // a stop says it began (the log started with "job workers stopped") and that it ended, once each
        assertThat(lines.list).extracting(ch.qos.logback.classic.spi.ILoggingEvent::getMessage)
                .containsExactly("weft service stopping", "weft service stopped");
        assertThat(startup).isLessThan(Duration.ofSeconds(5));
        try (ServerSocket socket = new ServerSocket(port, 1, java.net.InetAddress.getLoopbackAddress())) {
            assertThat(socket.getLocalPort()).isEqualTo(port);
        }
    }

    @Test
    void embeddedDefaultCreatesItsDataDirectory() {
        Path data = dir.resolve("nested/weft-data");

        try (ServiceContext context = ServiceContext.open(ServiceConfig.defaults().withDataDir(data),
                Clock.systemUTC(), List.of(), false)) {
            assertThat(context.database().type()).isEqualTo(DatabaseType.SQLITE);
            assertThat(context.database().isHealthy()).isTrue();
        }

        assertThat(Files.isRegularFile(data.resolve("weft.db"))).isTrue();
        assertThat(ServiceConfig.defaults().databaseOrDefault()).isEqualTo(
                DatabaseConfig.sqlite(Path.of("weft-data").resolve("weft.db").toString()));
    }
}
