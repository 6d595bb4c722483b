package dev.weft.service.http;

import dev.weft.core.ratelimit.BucketMode;
import dev.weft.core.ratelimit.BucketStore;
import dev.weft.core.ratelimit.RateDecision;
import dev.weft.core.ratelimit.RateLimit;
import dev.weft.core.ratelimit.TokenBuckets;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Objects;

/**
 * The service's request budget per caller: weft-core's {@link TokenBuckets} with {@link RateLimit#perSecond} (at
 * most {@code rate} requests in each one-second window, the window starting with the key's first request, refilled
 * whole once a second), plus the service's meters. A burst of {@code rate} requests passes at once; a window never
 * admits more. Buckets live in this process ({@link #local}) or in a shared {@link BucketStore} ({@link #shared}: the
 * service's Redis, through the one connection its {@code RedisLink} owns, keys {@code weft:rate:key:<hash prefix>}).
 *
 * <p>While the store cannot be reached or fails, {@link TokenBuckets#shared}'s policy applies: each instance limits
 * with buckets of its own at the same rate (a limit, not none, and a Redis outage is not an API outage), and after a
 * failed command the store is skipped for a second and then tried by one request at a time. The limiter says so in
 * {@link #mode()}, the gauge {@code weft.ratelimit.fallback} and the {@code mode} tag of
 * {@code weft.ratelimit.requests}. It owns no connection: the store's owner opens, reconnects and closes it.
 *
 * <p>Thread-safe. {@link #tryAcquire(String)} blocks for at most the store's command timeout.
 */
public final class RateLimiter {
    /** The start of every shared bucket's Redis key: a key's bucket is {@code weft:rate:key:<hash prefix>}. */
    public static final String REDIS_PREFIX = "weft:rate:";

    private final TokenBuckets buckets;
    /** Per mode ordinal: [allowed, limited]. */
    private final Counter[][] requests;

    private RateLimiter(TokenBuckets buckets, MeterRegistry registry) {
        this.buckets = buckets;
        this.requests = new Counter[BucketMode.values().length][];
        for (BucketMode mode : BucketMode.values()) {
            requests[mode.ordinal()] = new Counter[] {counter(registry, mode, "allowed"),
                counter(registry, mode, "limited")};
        }
        Gauge.builder("weft.ratelimit.fallback", this, limiter -> limiter.mode() == BucketMode.FALLBACK ? 1 : 0)
                .description("1 while the shared rate limiter limits with local buckets because Redis is unreachable")
                .register(registry);
    }

    private static Counter counter(MeterRegistry registry, BucketMode mode, String outcome) {
        return Counter.builder("weft.ratelimit.requests")
                .description("Requests the per-key rate limiter decided, by where the buckets were and the outcome")
                .tag("mode", mode.tag())
                .tag("outcome", outcome)
                .register(registry);
    }

    /**
     * @param rate requests per second per key
     * @param registry where the limiter's meters go
     * @return a limiter whose buckets live in this process
     * @throws dev.weft.core.InvalidConfigException if {@code rate < 1}
     */
    public static RateLimiter local(int rate, MeterRegistry registry) {
        return new RateLimiter(TokenBuckets.local(RateLimit.perSecond(rate)),
                Objects.requireNonNull(registry, "registry"));
    }

    /**
     * @param rate requests per second per key
     * @param store where the shared buckets live, e.g. {@code redisLink.bucketStore(RateLimiter.REDIS_PREFIX)}; its
     *     owner closes it
     * @param registry where the limiter's meters go
     * @return a limiter shared by every instance using the same store, with local buckets while the store fails
     * @throws dev.weft.core.InvalidConfigException if {@code rate < 1}
     */
    public static RateLimiter shared(int rate, BucketStore store, MeterRegistry registry) {
        return new RateLimiter(TokenBuckets.shared("api", RateLimit.perSecond(rate),
                Objects.requireNonNull(store, "store")), Objects.requireNonNull(registry, "registry"));
    }

    /**
     * Takes one token from a key's bucket.
     *
     * @param key the bucket's key ({@link dev.weft.service.ApiKeys.PresentedKey#bucket()}), never the API key itself
     * @return whether the request may proceed, and if not, when to retry
     */
    public RateDecision tryAcquire(String key) {
        RateDecision decision = buckets.tryAcquire(key);
        requests[decision.mode().ordinal()][decision.allowed() ? 0 : 1].increment();
        return decision;
    }

    /** @return where the next request's bucket would be: local, shared, or the fallback while Redis is unreachable */
    public BucketMode mode() {
        return buckets.mode();
    }

    /** @return the configured requests per second per key */
    public int rate() {
        return buckets.limit().permits();
    }

    /** @return how many calls to the shared store failed (0 for a local limiter; a store not ready is not called) */
    public long failures() {
        return buckets.storeFailures();
    }
}
