package dev.weft.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.core.InvalidConfigException;
import dev.weft.core.Secret;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ApiConfigTest {

    @Test
    void refusesATokenThatCannotBeSentAsAHeaderWithoutPrintingIt() {
        // A token read from a file with its newline was sent as "Bearer tok-secret " (HC5 turns CR/LF into spaces).
        assertThatThrownBy(() -> ApiConfig.builder("https://api.example.com").name("x")
                .bearerToken(Secret.of("tok-secret\n")).build())
                .isInstanceOf(InvalidConfigException.class).hasMessageContaining("bearer-token")
                .hasMessageNotContaining("tok-secret");
        assertThatThrownBy(() -> ApiConfig.builder("https://api.example.com").name("x")
                .apiKey(Secret.of("key\u0141secret")).build())
                .isInstanceOf(InvalidConfigException.class).hasMessageContaining("api-key")
                .hasMessageNotContaining("secret\"");
    }

    @Test
    void hasTheGuidesDefaults() {
        ApiConfig config = ApiConfig.of("https://api.example.com");

        assertThat(config.retry().maxRetries()).isEqualTo(3);
        assertThat(config.retry().delay()).isEqualTo(Duration.ofSeconds(1));
        assertThat(config.retry().backoffFactor()).isEqualTo(2.0);
        assertThat(config.pool().maxConnections()).isEqualTo(100);
        assertThat(config.pool().maxConnectionsPerHost()).isEqualTo(10);
        assertThat(config.pool().maxConcurrentPerHost()).isEqualTo(10);
        assertThat(config.timeouts().connect()).isEqualTo(Duration.ofSeconds(10));
        assertThat(config.timeouts().response()).isEqualTo(Duration.ofSeconds(30));
        assertThat(config.rateLimit().perSecond()).isEqualTo(100);
        assertThat(config.breaker().threshold()).isEqualTo(20);
        assertThat(config.breaker().window()).isEqualTo(Duration.ofSeconds(10));
        assertThat(config.breaker().openTime()).isEqualTo(Duration.ofSeconds(5));
        assertThat(config.cache().ttl()).isEqualTo(Duration.ofSeconds(300));
        assertThat(config.retry().budget()).isEqualTo(0.2);
        assertThat(config.tls().verify()).isTrue();
    }

    @Test
    void keepsTheGuidesBreakerAsAPreset() {
        ApiConfig config = ApiConfig.fromEnv("provider", java.util.Map.of("WEFT_HTTP_PROVIDER_BASE_URL",
                "https://api.example.com", "WEFT_HTTP_PROVIDER_BREAKER_PRESET", "guides"));

        assertThat(config.breaker().threshold()).isEqualTo(5);
        assertThat(config.breaker().openTime()).isEqualTo(Duration.ofSeconds(60));
    }

    @Test
    void refusesABreakerWindowThatIsNotWholeSeconds() {
        assertThatThrownBy(() -> ApiConfig.builder("https://api.example.com").breakerWindow(Duration.ofMillis(1500))
                .build()).isInstanceOf(InvalidConfigException.class).hasMessageContaining("breaker-window");
    }

    @Test
    void refusesAMalformedBaseUrlNamingTheSetting() {
        assertThatThrownBy(() -> ApiConfig.of("not a url")).isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("weft.http.base-url");
        assertThatThrownBy(() -> ApiConfig.of("ftp://example.com")).isInstanceOf(InvalidConfigException.class);
        assertThatThrownBy(() -> ApiConfig.of("/relative")).isInstanceOf(InvalidConfigException.class);
        assertThatThrownBy(() -> ApiConfig.of("https://example.com/?q=1")).isInstanceOf(InvalidConfigException.class);
    }

    @Test
    void namesTheFieldOfAnInvalidValue() {
        assertThatThrownBy(() -> ApiConfig.builder("https://a.example").name("svc").maxRetries(-1).build())
                .isInstanceOf(InvalidConfigException.class).hasMessageContaining("weft.http.svc.max-retries");
        assertThatThrownBy(() -> ApiConfig.builder("https://a.example").maxConnections(5).maxConnectionsPerHost(6)
                .build()).hasMessageContaining("max-connections-per-host");
        assertThatThrownBy(() -> ApiConfig.builder("https://a.example").defaultHeader("X-A", "a\r\nb").build())
                .hasMessageContaining("default-headers");
    }

    @Test
    void neverPrintsTokens() {
        ApiConfig config = ApiConfig.builder("https://a.example").bearerToken(Secret.of("tok-123"))
                .apiKey(Secret.of("key-456")).build();

        assertThat(config.toString()).doesNotContain("tok-123").doesNotContain("key-456");
    }

    @Test
    void readsTheEnvironment() {
        ApiConfig config = ApiConfig.fromEnv("provider", Map.of(
                "WEFT_HTTP_PROVIDER_BASE_URL", "http://127.0.0.1:9000",
                "WEFT_HTTP_PROVIDER_MAX_RETRIES", "5",
                "WEFT_HTTP_PROVIDER_CONNECT_TIMEOUT", "2.5",
                "WEFT_HTTP_PROVIDER_API_KEY", "k",
                "WEFT_HTTP_PROVIDER_ALLOWED_HOSTS", "cdn.example.com, files.example.com:8443"));

        assertThat(config.name()).isEqualTo("provider");
        assertThat(config.retry().maxRetries()).isEqualTo(5);
        assertThat(config.timeouts().connect()).isEqualTo(Duration.ofMillis(2500));
        assertThat(config.auth().apiKey().reveal()).isEqualTo("k");
        assertThat(config.allowedHosts()).containsExactlyInAnyOrder("cdn.example.com", "files.example.com:8443");
    }

    @Test
    void namesTheVariableOfABadEnvironmentValue() {
        assertThatThrownBy(() -> ApiConfig.fromEnv("provider", Map.of(
                "WEFT_HTTP_PROVIDER_BASE_URL", "http://127.0.0.1:9000", "WEFT_HTTP_PROVIDER_MAX_RETRIES", "many")))
                .isInstanceOf(InvalidConfigException.class).hasMessageContaining("WEFT_HTTP_PROVIDER_MAX_RETRIES");
        assertThatThrownBy(() -> ApiConfig.fromEnv("provider", Map.of()))
                .hasMessageContaining("WEFT_HTTP_PROVIDER_BASE_URL");
    }

    @Test
    void derivesChangedCopies() {
        ApiConfig config = ApiConfig.of("https://a.example");

        ApiConfig renamed = config.withName("other");

        assertThat(renamed.name()).isEqualTo("other");
        assertThat(renamed.baseUrl()).isEqualTo(config.baseUrl());
    }

    @Test
    void namesTheClientInTheMessageOfABadPart() {
        assertThatThrownBy(() -> ApiConfig.builder("https://a.example").name("svc").retryDelay(Duration.ofSeconds(40))
                .build()).isInstanceOf(InvalidConfigException.class).hasMessageContaining("weft.http.svc.max-retry-delay");
        assertThatThrownBy(() -> RetryConfig.defaults().withMaxRetries(-1))
                .isInstanceOf(InvalidConfigException.class).hasMessageContaining("weft.http.max-retries");
    }

    @Test
    void takesSettingsInAnyOrderBeforeTheyAreChecked() {
        ApiConfig config = ApiConfig.builder("https://a.example").retryDelay(Duration.ofSeconds(40))
                .maxRetryDelay(Duration.ofSeconds(60)).build();

        assertThat(config.retry().policy().backoff().maxDelay()).isEqualTo(Duration.ofSeconds(60));
    }

    @Test
    void derivesChangedParts() {
        ApiConfig config = ApiConfig.of("https://a.example");

        ApiConfig guides = config.withBreaker(config.breaker().guides());

        assertThat(guides.breaker().threshold()).isEqualTo(BreakerConfig.GUIDES_THRESHOLD);
        assertThat(guides.breaker().openTime()).isEqualTo(BreakerConfig.GUIDES_OPEN_TIME);
        assertThat(guides.toBuilder().build()).isEqualTo(guides);
    }
}
