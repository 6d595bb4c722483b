package dev.weft.http;

import dev.weft.cache.Cache;
import dev.weft.cache.SharedBucketStore;
import dev.weft.cache.SharedCaches;
import dev.weft.core.ratelimit.BucketStore;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.api.OpenTelemetry;
import java.time.Clock;
import java.util.Objects;
import java.util.function.LongSupplier;
import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;

/**
 * Builds an {@link ApiClient} with optional collaborators. Not thread-safe; each setter may be called once.
 */
public final class ApiClientBuilder {
    /**
     * The prefix of the store a shared rate limit uses: a host's bucket is at
     * {@code weft:http:rate:<client>:<authority>}. Pass it to {@code RedisLink.bucketStore}.
     */
    public static final String SHARED_RATE_PREFIX = "weft:http:rate:";

    private final ApiConfig config;
    private @Nullable MeterRegistry meterRegistry;
    private @Nullable OpenTelemetry openTelemetry;
    private @Nullable Cache responseCache;
    private @Nullable String rateLimitRedisUrl;
    private @Nullable BucketStore rateStore;
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
     * Traces calls with this OpenTelemetry instance: a CLIENT span per attempt (HTTP semantic conventions: method,
     * {@code url.full} without query or user info, server address and port, status, {@code error.type}, resend
     * count on retries), and the W3C {@code traceparent}/{@code tracestate} of that span in the request's headers.
     * Spans are made only under a caller's span ({@code Span.current()} valid): a call outside any trace makes none.
     * Without this setter the client uses the global instance if an SDK registered one, else the no-op (decided when
     * the client is built).
     *
     * @param value the instance
     * @return this builder
     */
    public ApiClientBuilder openTelemetry(OpenTelemetry value) {
        requireUnset(openTelemetry, "openTelemetry");
        openTelemetry = Objects.requireNonNull(value, "value");
        return this;
    }

    /**
     * Caches GET responses in this cache (e.g. a tiered Redis cache shared by instances) instead of a private
     * in-process one. Only used when the config enables caching. Keys start with {@code http:<client name>:}, and a
     * request's credentials appear in them only as a SHA-256 digest (see {@link ApiConfigBuilder#cacheEnabled}).
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
     * Shares the per-host rate limit with every instance through a store they all use, typically the process's one
     * Redis connection: {@code sharedRateLimit(redisLink.bucketStore(ApiClientBuilder.SHARED_RATE_PREFIX))}. While
     * the store fails, each instance limits on its own at the same rate (weft-core's {@code TokenBuckets.shared}):
     * a per-instance limit still protects the upstream's quota, where letting calls through would not.
     *
     * @param store the store; the client does not close it (its connection's owner does)
     * @return this builder
     * @throws IllegalStateException if a shared rate limit was already set
     */
    public ApiClientBuilder sharedRateLimit(BucketStore store) {
        requireNoSharedRateLimit();
        rateStore = Objects.requireNonNull(store, "store");
        return this;
    }

    /**
     * Shares the per-host rate limit with every instance through Redis, on a connection the client opens for it and
     * closes with it (needs {@code dev.weft:weft-cache-redis} on the classpath; a process that already holds a Redis
     * connection passes its store to {@link #sharedRateLimit(BucketStore)} instead). If Redis cannot be reached when
     * the client is built, or fails later, each instance limits on its own at the same rate until Redis answers
     * again (logged), rather than stopping calls or letting them through unlimited.
     *
     * @param redisUrl {@code redis://host:port}
     * @return this builder
     * @throws IllegalStateException if a shared rate limit was already set
     */
    public ApiClientBuilder sharedRateLimit(String redisUrl) {
        requireNoSharedRateLimit();
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
     * @throws dev.weft.core.InvalidConfigException if the trust store cannot be read, or if a shared rate limit's
     *     Redis URL is malformed or {@code dev.weft:weft-cache-redis} is missing (naming
     *     {@code weft.http.<name>.rate-limit-redis}); never because Redis is down
     */
    public ApiClient build() {
        BucketStore store = rateStore;
        SharedBucketStore ownedStore = null;
        if (rateLimitRedisUrl != null && config.rateLimit().enabled()) {
            ownedStore = SharedCaches.bucketStore(rateLimitRedisUrl, SHARED_RATE_PREFIX,
                    "weft.http." + config.name() + ".rate-limit-redis");
            store = ownedStore;
        }
        try {
            return new HttpApiClient(config, meterRegistry,
                    openTelemetry != null ? openTelemetry : HttpTracing.defaultInstance(), responseCache, store, ownedStore, clock, nanoTime,
                    random == null ? java.util.concurrent.ThreadLocalRandom.current() : random);
        } catch (RuntimeException | Error e) {
            if (ownedStore != null) {
                ownedStore.close();
            }
            throw e;
        }
    }

    private void requireNoSharedRateLimit() {
        if (rateStore != null || rateLimitRedisUrl != null) {
            throw new IllegalStateException("sharedRateLimit was already set");
        }
    }

    private static void requireUnset(@Nullable Object current, String setter) {
        if (current != null) {
            throw new IllegalStateException(setter + " was already set");
        }
    }
}
