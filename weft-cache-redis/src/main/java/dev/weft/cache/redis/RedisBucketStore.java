package dev.weft.cache.redis;

import dev.weft.core.ratelimit.BucketStore;
import dev.weft.core.ratelimit.RateLimit;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.distributed.BucketProxy;
import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.distributed.proxy.ProxyManager;
import io.github.bucket4j.distributed.proxy.optimization.Optimizations;
import io.github.bucket4j.redis.lettuce.Bucket4jLettuce;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * Token buckets in Redis on {@link RedisLink}'s connection, through Bucket4j's Lettuce integration (compare and swap,
 * so every instance takes from the same bucket). A bucket's key expires once it would be full again (at most 10 s
 * after its last write), as the buckets of weft-http and weft-service did. Failures are thrown, not hidden: the
 * caller ({@code TokenBuckets.shared}) owns the fallback. Thread-safe.
 */
final class RedisBucketStore implements BucketStore {
    private static final Duration MAX_KEY_LIFETIME = Duration.ofSeconds(10);

    /**
     * Bucket4j's view of one connection and the buckets built on it; rebuilt only if the link ever opens another.
     * A bucket is built once per key and limit and kept, because batching (below) combines the concurrent requests
     * of one bucket object only.
     */
    private record Proxies(StatefulRedisConnection<String, byte[]> connection, ProxyManager<String> manager,
            ConcurrentHashMap<BucketKey, BucketProxy> buckets) {
    }

    /** One shared bucket: its key and its limit. */
    private record BucketKey(String key, RateLimit limit) {
    }

    /** Past this many buckets held, the held ones are dropped (they are rebuilt on use; Redis keeps their state). */
    private static final int MAX_HELD_BUCKETS = 10_000;

    private final RedisLink link;
    private final String prefix;
    private final ConcurrentHashMap<RateLimit, BucketConfiguration> configurations = new ConcurrentHashMap<>();
    private volatile @Nullable Proxies proxies;

    RedisBucketStore(RedisLink link, String prefix) {
        this.link = link;
        this.prefix = prefix;
    }

    /**
     * Takes one permit from a bucket of its own ({@code <prefix>weft-warm-up}, expiring within seconds) so that the
     * first request does not pay for loading Bucket4j's classes and the first compare-and-swap: on a loaded machine
     * that first command can outlast the 100 ms command timeout, and a timed-out command sends the limiter to its
     * per-instance fallback for a second, so two fresh instances would admit up to twice the limit. A failure here
     * changes nothing: requests then find the store as they would have.
     */
    void warmUp() {
        try {
            tryConsume("weft-warm-up", RateLimit.perSecond(1));
        } catch (RuntimeException e) {
            // not reachable or slow now: TokenBuckets' own policy handles it on the first request
        }
    }

    @Override
    public boolean ready() {
        if (link.openConnection() != null) {
            return true;
        }
        link.connectInBackground();
        return false;
    }

    @Override
    public long tryConsume(String key, RateLimit limit) {
        StatefulRedisConnection<String, byte[]> connection = link.openConnection();
        if (connection == null) {
            throw new RedisConnectionException("redis connection not open");
        }
        BucketConfiguration configuration = configurations.computeIfAbsent(limit, RedisBucketStore::configuration);
        Proxies current = proxies(connection);
        if (current.buckets().size() >= MAX_HELD_BUCKETS) {
            current.buckets().clear();
        }
        // Batching: concurrent requests of this instance to one bucket share one compare-and-swap round trip instead
        // of each looping on the CAS. A burst of 3N requests over three instances made ~3N racing CAS loops on one
        // key; on a loaded 2-core machine one of their commands outlasted the 100 ms command timeout, and that sends
        // the instance to its local buckets for a second, which then admitted up to N more (SharedRateLimitScenario).
        BucketProxy bucket = current.buckets().computeIfAbsent(new BucketKey(key, limit),
                unused -> current.manager().builder().withOptimization(Optimizations.batching())
                        .build(prefix + key, () -> configuration));
        ConsumptionProbe probe = bucket.tryConsumeAndReturnRemaining(1);
        return probe.isConsumed() ? 0 : Math.max(1, probe.getNanosToWaitForRefill());
    }

    private Proxies proxies(StatefulRedisConnection<String, byte[]> connection) {
        Proxies current = proxies;
        if (current != null && current.connection() == connection) {
            return current;
        }
        ProxyManager<String> manager = Bucket4jLettuce.casBasedBuilder(connection)
                .expirationAfterWrite(ExpirationAfterWriteStrategy.basedOnTimeForRefillingBucketUpToMax(MAX_KEY_LIFETIME))
                .build();
        Proxies fresh = new Proxies(connection, manager, new ConcurrentHashMap<>());
        proxies = fresh;
        return fresh;
    }

    /** The same bucket as weft-core's local one: capacity {@code permits}, refilled as the limit says. */
    static BucketConfiguration configuration(RateLimit limit) {
        Bandwidth bandwidth = switch (limit.refill()) {
            case GREEDY -> Bandwidth.builder().capacity(limit.permits()).refillGreedy(limit.permits(), limit.period())
                    .build();
            case INTERVALLY -> Bandwidth.builder().capacity(limit.permits())
                    .refillIntervally(limit.permits(), limit.period()).build();
        };
        return BucketConfiguration.builder().addLimit(bandwidth).build();
    }
}
