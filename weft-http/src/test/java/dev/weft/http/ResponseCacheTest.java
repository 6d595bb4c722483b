package dev.weft.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.http.testing.Behavior;
import dev.weft.http.testing.FaultServer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ResponseCacheTest {
    private final CircuitBreakerTest.ManualClock clock = new CircuitBreakerTest.ManualClock();
    private FaultServer server;
    private ApiClient api;

    @BeforeEach
    void start() {
        server = FaultServer.start();
        api = ApiClient.builder(ApiConfig.builder(server.baseUri().toString()).name("cached").cacheEnabled(true)
                .cacheTtl(Duration.ofSeconds(60)).build()).clock(clock, System::nanoTime).build();
    }

    @AfterEach
    void stop() {
        api.close();
        server.close();
    }

    @Test
    void servesAFreshResponseFromTheCache() {
        server.route("GET", "/a", Behavior.withHeaders(Map.of("Cache-Control", "max-age=30"),
                Behavior.json(200, "{\"v\":1}")));

        ApiResponse first = api.get("/a").send();
        ApiResponse second = api.get("/a").send();

        assertThat(first.fromCache()).isFalse();
        assertThat(second.fromCache()).isTrue();
        assertThat(second.text()).isEqualTo("{\"v\":1}");
        assertThat(server.requests()).isEqualTo(1);
        assertThat(api.metrics().cacheHits()).isEqualTo(1);
    }

    @Test
    void asksAgainOnceMaxAgeHasPassed() {
        server.route("GET", "/a", Behavior.withHeaders(Map.of("Cache-Control", "max-age=30"),
                Behavior.json(200, "{}")));
        api.get("/a").send();

        clock.advance(Duration.ofSeconds(31));
        ApiResponse later = api.get("/a").send();

        assertThat(later.fromCache()).isFalse();
        assertThat(server.requests()).isEqualTo(2);
    }

    @Test
    void neverStoresNoStore() {
        server.route("GET", "/private", Behavior.withHeaders(Map.of("Cache-Control", "no-store"),
                Behavior.json(200, "{}")));

        api.get("/private").send();
        api.get("/private").send();

        assertThat(server.requests()).isEqualTo(2);
    }

    @Test
    void appliesTheConfigTtlWhenTheServerSaysNothing() {
        server.route("GET", "/plain", Behavior.json(200, "{}"));
        api.get("/plain").send();

        clock.advance(Duration.ofSeconds(59));
        assertThat(api.get("/plain").send().fromCache()).isTrue();
        clock.advance(Duration.ofSeconds(2));
        assertThat(api.get("/plain").send().fromCache()).isFalse();
    }

    @Test
    void revalidatesAStaleEntryWithItsEtag() {
        server.route("GET", "/tagged", Behavior.etag("\"v1\"", "{\"v\":1}", "max-age=10"));
        api.get("/tagged").send();

        clock.advance(Duration.ofSeconds(11));
        ApiResponse revalidated = api.get("/tagged").send();

        assertThat(revalidated.fromCache()).isTrue();
        assertThat(revalidated.status()).isEqualTo(200);
        assertThat(revalidated.text()).isEqualTo("{\"v\":1}");
        assertThat(server.requests()).isEqualTo(2);
        assertThat(server.recorded().getLast().header("If-None-Match")).contains("\"v1\"");
    }

    @Test
    void skipsTheCacheWhenAsked() {
        server.route("GET", "/a", Behavior.json(200, "{}"));
        api.get("/a").send();

        assertThat(api.get("/a").noCache().send().fromCache()).isFalse();
        assertThat(server.requests()).isEqualTo(2);
    }
}
