package dev.weft.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.core.testing.FaultProxy;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The suite's own parts do what scenarios rely on: a PostgreSQL cluster that crashes and comes back, a Redis that
 * hangs and dies, a proxy whose modes cut traffic, the service and the provider as child JVMs.
 */
@Tag("smoke")
class FaultHarnessTest {
    @TempDir
    static Path work;

    @Test
    void theServiceRunsOnAPostgresOfItsOwnThatCrashesAndReturns() throws Exception {
        try (OwnPostgres postgres = OwnPostgres.create("harness", Map.of());
                ServiceProcess service = ServiceProcess.start("a", work,
                        Map.of("DATABASE_URL", postgres.databaseUrl(), "WEFT_WORKERS", "0"))) {
            Http http = new Http(Duration.ofSeconds(10));
            Http.Answer created = http.post(service.url("/users"), Http.admin(),
                    Map.of("email", "h@example.com", "username", "harness", "credits", 5));
            assertThat(created.status()).isEqualTo(201);
            postgres.crash();
            postgres.start();
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() ->
                    http.get(service.url("/users/" + created.json().get("id").asLong()), Http.admin()).status()
                            == 200);
        }
    }

    @Test
    void redisHangsDiesAndComesBackOnItsPort() {
        try (OwnRedis redis = OwnRedis.start(work)) {
            assertThat(redis.ping()).isTrue();
            redis.pause();
            assertThat(redis.ping()).isFalse();
            redis.resume();
            assertThat(redis.ping()).isTrue();
            redis.kill();
            assertThat(redis.ping()).isFalse();
            redis.start();
            assertThat(redis.ping()).isTrue();
        }
    }

    @Test
    void theProxyPassesResetsAndSwallows() throws Exception {
        try (ProviderProcess provider = ProviderProcess.start(work);
                FaultProxy proxy = FaultProxy.to(provider.port())) {
            Http http = new Http(Duration.ofMillis(1500));
            String url = "http://127.0.0.1:" + proxy.port() + "/health";
            assertThat(http.get(url, Map.of()).status()).isEqualTo(200);
            proxy.down();
            assertThatThrownBy(() -> new Http(Duration.ofMillis(1500)).get(url, Map.of()))
                    .isInstanceOf(IOException.class);
            proxy.blackhole();
            assertThatThrownBy(() -> new Http(Duration.ofMillis(500)).get(url, Map.of()))
                    .isInstanceOf(IOException.class);
            proxy.up();
            Http.Answer back = new Http(Duration.ofMillis(1500)).get(url, Map.of());
            Report.record("harness: fault proxy", "answers again at once after PASS", "status " + back.status(),
                    back.status() == 200);
            assertThat(back.status()).isEqualTo(200);
        }
    }
}
