package dev.weft.http;

import static dev.weft.http.SettingNames.of;

import dev.weft.core.Checks;
import dev.weft.core.InvalidConfigException;
import java.time.Duration;

/**
 * Whether and how long an {@link ApiClient} caches GET responses ({@code Cache-Control}, {@code Vary} and
 * {@code ETag} are honoured). The cache may be shared by instances (Redis), so it follows the rules of a shared
 * cache: a request that carries credentials ({@code Authorization}, {@code Proxy-Authorization}, {@code Cookie}, the
 * API key header, or the client's own bearer token or API key) is cached under a key holding a SHA-256 digest of
 * them, never the values, so each credential has entries of its own and authenticated calls can still be cached;
 * {@code no-store}, {@code private} and {@code Vary: *} responses are not stored; a response with {@code Vary} is
 * served only to requests with the same values of the varied headers (one variant per URL and credential is kept).
 * Immutable and thread-safe.
 *
 * @param enabled whether GET 200 responses are cached ({@code cache})
 * @param ttl freshness of a cached response when the server sends no {@code s-maxage} or {@code max-age}, e.g. a
 *     response without {@code Cache-Control} ({@code cache-ttl}); one that sends either is fresh for that long
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
     * @param value freshness when the server sends no s-maxage or max-age
     * @return the changed copy
     */
    public ResponseCacheConfig withTtl(Duration value) {
        return new ResponseCacheConfig(enabled, value);
    }
}
