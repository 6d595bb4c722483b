package dev.weft.http;

import static dev.weft.http.SettingNames.of;

import dev.weft.core.Checks;
import dev.weft.core.InvalidConfigException;
import java.time.Duration;

/**
 * Whether and how long an {@link ApiClient} caches GET responses ({@code Cache-Control} and {@code ETag} are
 * honoured). Immutable and thread-safe.
 *
 * @param enabled whether GET responses are cached ({@code cache})
 * @param ttl freshness of a cached response when the server sends no {@code max-age} ({@code cache-ttl})
 */
public record ResponseCacheConfig(boolean enabled, Duration ttl) {
    /** Default freshness of cached responses (the guides' {@code cache_ttl}). */
    public static final Duration DEFAULT_TTL = Duration.ofSeconds(300);

    /**
     * Checks the values.
     *
     * @throws InvalidConfigException if the freshness is under one second
     */
    public ResponseCacheConfig {
        Checks.atLeast(of("cache-ttl"), ttl, Duration.ofSeconds(1));
    }

    /**
     * Returns the default.
     *
     * @return caching off, 300 s freshness once turned on
     */
    public static ResponseCacheConfig defaults() {
        return new ResponseCacheConfig(false, DEFAULT_TTL);
    }

    /**
     * A copy turned on or off.
     *
     * @param value whether GET responses are cached
     * @return the changed copy
     */
    public ResponseCacheConfig withEnabled(boolean value) {
        return new ResponseCacheConfig(value, ttl);
    }

    /**
     * A copy with another freshness.
     *
     * @param value freshness when the server sends no max-age
     * @return the changed copy
     */
    public ResponseCacheConfig withTtl(Duration value) {
        return new ResponseCacheConfig(enabled, value);
    }
}
