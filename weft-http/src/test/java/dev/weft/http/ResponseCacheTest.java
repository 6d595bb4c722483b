package dev.weft.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.cache.Cache;
import dev.weft.cache.LocalCache;
import dev.weft.core.Secret;
import dev.weft.http.testing.Behavior;
import dev.weft.http.testing.FaultServer;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

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

    /** s-maxage is meant for shared caches like this one, so it wins over max-age. */
    @ParameterizedTest
    @ValueSource(strings = {"max-age=30", "max-age=60, s-maxage=30"})
    void asksAgainOnceTheFreshnessHasPassed(String cacheControl) {
        server.route("GET", "/a", Behavior.withHeaders(Map.of("Cache-Control", cacheControl),
                Behavior.json(200, "{}")));
        api.get("/a").send();

        clock.advance(Duration.ofSeconds(31));
        ApiResponse later = api.get("/a").send();

        assertThat(later.fromCache()).isFalse();
        assertThat(server.requests()).isEqualTo(2);
    }

    @ParameterizedTest
    @CsvSource({"Cache-Control, no-store", "Cache-Control, 'private, max-age=60'", "Vary, *"})
    void neverStoresWhatTheServerKeepsFromSharedCaches(String header, String value) {
        server.route("GET", "/private", Behavior.withHeaders(Map.of(header, value), Behavior.json(200, "{}")));

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

    @Test
    void servesEachCredentialOnlyItsOwnCachedResponse() {
        server.route("GET", "/me", echoing("Authorization"));

        ApiResponse userA = api.get("/me").header("Authorization", "Bearer userA").send();
        ApiResponse userB = api.get("/me").header("Authorization", "Bearer userB").send();
        ApiResponse userAAgain = api.get("/me").header("Authorization", "Bearer userA").send();
        ApiResponse anonymous = api.get("/me").send();

        assertThat(userB.text()).isEqualTo("Bearer userB");
        assertThat(userB.fromCache()).isFalse();
        assertThat(userAAgain.text()).isEqualTo("Bearer userA");
        assertThat(userAAgain.fromCache()).as("per-user caching still works").isTrue();
        assertThat(anonymous.text()).isEmpty();
        assertThat(server.requests()).isEqualTo(3);
    }

    @ParameterizedTest
    @ValueSource(strings = {"Cookie", "Proxy-Authorization", "X-API-Key"})
    void keysEveryCredentialHeaderApart(String header) {
        server.route("GET", "/me", echoing(header));

        api.get("/me").header(header, "first").send();
        ApiResponse second = api.get("/me").header(header, "second").send();

        assertThat(second.text()).isEqualTo("second");
        assertThat(second.fromCache()).isFalse();
    }

    @Test
    void keysTheConfiguredTokenApartWhenClientsShareACache() {
        server.route("GET", "/me", echoing("Authorization"));
        try (Cache shared = LocalCache.create("shared-http", 100);
                ApiClient tenantA = sharing(shared, "tokenA");
                ApiClient tenantB = sharing(shared, "tokenB")) {
            tenantA.get("/me").send();

            ApiResponse other = tenantB.get("/me").send();

            assertThat(other.text()).isEqualTo("Bearer tokenB");
            assertThat(other.fromCache()).isFalse();
        }
    }

    @Test
    void keysATokenSetAsADefaultHeaderApartWhenClientsShareACache() {
        // Only the auth settings' token was keyed: tenant B was answered tenant A's cached response.
        server.route("GET", "/me", echoing("Authorization"));
        try (Cache shared = LocalCache.create("shared-http", 100);
                ApiClient tenantA = sharingWithDefaultHeader(shared, "token A");
                ApiClient tenantB = sharingWithDefaultHeader(shared, "token B")) {
            tenantA.get("/me").send();

            ApiResponse other = tenantB.get("/me").send();

            assertThat(other.text()).isEqualTo("token B");
            assertThat(other.fromCache()).isFalse();
        }
    }

    private ApiClient sharingWithDefaultHeader(Cache shared, String authorization) {
        return ApiClient.builder(ApiConfig.builder(server.baseUri().toString()).name("tenant").cacheEnabled(true)
                .defaultHeader("Authorization", authorization).build()).responseCache(shared)
                .clock(clock, System::nanoTime).build();
    }

    @Test
    void putsOnlyADigestOfTheCredentialsInTheKey() {
        try (Cache local = LocalCache.create("keys", 10)) {
            ResponseCache cache = new ResponseCache(local, ApiConfig.builder(server.baseUri().toString())
                    .name("keys").cacheEnabled(true).build(), clock);
            URI uri = server.baseUri().resolve("/me");
            String authority = uri.getAuthority();

            String userA = cache.key(uri, authority, List.of(Map.entry("Authorization", "Bearer secret-a")));
            String userB = cache.key(uri, authority, List.of(Map.entry("authorization", "Bearer secret-b")));
            String anonymous = cache.key(uri, authority, List.of(Map.entry("Accept-Language", "fr")));

            assertThat(userA).doesNotContain("secret-a").isNotEqualTo(userB).isNotEqualTo(anonymous);
            assertThat(userB).doesNotContain("secret-b");

            // An API key passed in the query stood in the key as it was, readable by whoever lists the cache's keys.
            String byQueryKey = cache.key(server.baseUri().resolve("/me?key=qsecret-1"), authority, List.of());
            String byOtherKey = cache.key(server.baseUri().resolve("/me?key=qsecret-2"), authority, List.of());
            assertThat(byQueryKey).doesNotContain("qsecret").isNotEqualTo(byOtherKey)
                    .isEqualTo(cache.key(server.baseUri().resolve("/me?key=qsecret-1"), authority, List.of()));
            assertThat(cache.key(server.baseUri().resolve("/me"), authority, List.of()))
                    .isNotEqualTo(cache.key(server.baseUri().resolve("/you"), authority, List.of()));
        }
    }

    @Test
    void keepsVariantsApartByTheVariedRequestHeaders() {
        server.route("GET", "/greeting", Behavior.withHeaders(Map.of("Vary", "Accept-Language"),
                echoing("Accept-Language")));

        api.get("/greeting").header("Accept-Language", "fr").send();
        ApiResponse french = api.get("/greeting").header("Accept-Language", "fr").send();
        ApiResponse german = api.get("/greeting").header("Accept-Language", "de").send();

        assertThat(french.fromCache()).isTrue();
        assertThat(german.text()).isEqualTo("de");
        assertThat(german.fromCache()).isFalse();
    }

    /** Answers 200 with the request's {@code header} as the body (empty without it), and no Cache-Control. */
    private static Behavior echoing(String header) {
        return exchange -> exchange.respond(200, Map.of("Content-Type", "text/plain"),
                exchange.request().header(header).orElse("").getBytes(StandardCharsets.UTF_8));
    }

    private ApiClient sharing(Cache shared, String token) {
        return ApiClient.builder(ApiConfig.builder(server.baseUri().toString()).name("tenant").cacheEnabled(true)
                .bearerToken(Secret.of(token)).build()).responseCache(shared).clock(clock, System::nanoTime).build();
    }
}
