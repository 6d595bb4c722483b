package dev.weft.http;

import dev.weft.cache.Cache;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.util.Objects;
import java.util.function.LongSupplier;
import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;

/**
 * Builds an {@link ApiClient} with optional collaborators. Not thread-safe; each setter may be called once.
 */
public final class ApiClientBuilder {
    private final ApiConfig config;
    private @Nullable MeterRegistry meterRegistry;
    private @Nullable Cache responseCache;
    private @Nullable String rateLimitRedisUrl;
    private Clock clock = Clock.systemUTC();
    private LongSupplier nanoTime = System::nanoTime;
    private @Nullable RandomGenerator random;

    ApiClientBuilder(ApiConfig config) {
        this.config = Objects.requireNonNull(config, "config");
    }

    /**
     * Records {@code http.client.requests} in this registry.
     *
     * @param registry the registry
     * @return this builder
     */
    public ApiClientBuilder meterRegistry(MeterRegistry registry) {
        requireUnset(meterRegistry, "meterRegistry");
        meterRegistry = Objects.requireNonNull(registry, "registry");
        return this;
    }

    /**
     * Caches GET responses in this cache (e.g. a tiered Redis cache shared by instances) instead of a private
     * in-process one. Only used when the config enables caching.
     *
     * @param cache the cache; the client does not close it
     * @return this builder
     */
    public ApiClientBuilder responseCache(Cache cache) {
        requireUnset(responseCache, "responseCache");
        responseCache = Objects.requireNonNull(cache, "cache");
        return this;
    }

    /**
     * Shares the per-host rate limit with every instance through Redis (Bucket4j token buckets). If Redis fails
     * later, calls pass unlimited (logged once) rather than stop.
     *
     * @param redisUrl {@code redis://host:port}
     * @return this builder
     */
    public ApiClientBuilder sharedRateLimit(String redisUrl) {
        requireUnset(rateLimitRedisUrl, "sharedRateLimit");
        rateLimitRedisUrl = Objects.requireNonNull(redisUrl, "redisUrl");
        return this;
    }

    ApiClientBuilder clock(Clock value, LongSupplier nanos) {
        clock = value;
        nanoTime = nanos;
        return this;
    }

    ApiClientBuilder random(RandomGenerator value) {
        random = value;
        return this;
    }

    /**
     * Builds the client.
     *
     * @return the client
     * @throws dev.weft.core.InvalidConfigException if the trust store cannot be read or Redis does not answer
     */
    public ApiClient build() {
        return new HttpApiClient(config, meterRegistry, responseCache, rateLimitRedisUrl, clock, nanoTime,
                random == null ? java.util.concurrent.ThreadLocalRandom.current() : random);
    }

    private static void requireUnset(@Nullable Object current, String setter) {
        if (current != null) {
            throw new IllegalStateException(setter + " was already set");
        }
    }
}
