package dev.weft.service.http;

import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.LoadingCache;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.redis.lettuce.Bucket4jLettuce;
import io.github.bucket4j.redis.lettuce.cas.LettuceBasedProxyManager;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.TimeoutOptions;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A token bucket per API key: {@code rate} requests per second, refilled greedily. Buckets live in this process, or
 * in Redis (Bucket4j's Lettuce integration) so that every instance shares them. When Redis fails, requests are let
 * through (a rate limit must not turn a cache outage into an API outage) and the failure is counted.
 *
 * <p>Thread-safe. {@link #tryAcquire(String)} blocks for at most the Redis command timeout.
 */
public final class RateLimiter implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RateLimiter.class);
    private static final Duration REDIS_TIMEOUT = Duration.ofMillis(500);

    /**
     * A decision.
     *
     * @param allowed whether the request may proceed
     * @param retryAfterSeconds when refused, the whole seconds until a token is back (at least 1)
     */
    public record Decision(boolean allowed, long retryAfterSeconds) {
    }

    private final BucketConfiguration configuration;
    private final @Nullable LoadingCache<String, Bucket> local;
    private final @Nullable RedisClient client;
    private volatile @Nullable LettuceBasedProxyManager<byte[]> shared;
    private final String prefix;
    private final AtomicLong failures = new AtomicLong();
    private final java.util.concurrent.locks.ReentrantLock connecting = new java.util.concurrent.locks.ReentrantLock();
    private volatile long nextConnectAttemptNanos;

    private RateLimiter(int rate, @Nullable String redisUrl, String prefix) {
        if (rate < 1) {
            throw new IllegalArgumentException("rate must be >= 1: " + rate);
        }
        this.configuration = BucketConfiguration.builder()
                .addLimit(Bandwidth.builder().capacity(rate).refillGreedy(rate, Duration.ofSeconds(1)).build())
                .build();
        this.prefix = prefix;
        if (redisUrl == null) {
            local = Caffeine.newBuilder().maximumSize(100_000).expireAfterAccess(Duration.ofMinutes(2))
                    .build(key -> Bucket.builder().addLimit(configuration.getBandwidths()[0]).build());
            client = null;
            shared = null;
        } else {
            local = null;
            client = RedisClient.create(RedisURI.create(redisUrl));
            client.setOptions(ClientOptions.builder()
                    .timeoutOptions(TimeoutOptions.enabled(REDIS_TIMEOUT))
                    .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS).build());
            shared = null; // connected on first use: a Redis that is down must not stop the service from starting
        }
    }

    /** The shared buckets, connecting at most once per second while Redis is unreachable; null while it is. */
    private @Nullable LettuceBasedProxyManager<byte[]> shared() {
        LettuceBasedProxyManager<byte[]> manager = shared;
        if (manager != null || System.nanoTime() - nextConnectAttemptNanos < 0 || !connecting.tryLock()) {
            return manager;
        }
        try {
            if (shared == null) {
                nextConnectAttemptNanos = System.nanoTime() + Duration.ofSeconds(1).toNanos();
                shared = Bucket4jLettuce.casBasedBuilder(Objects.requireNonNull(client))
                        .expirationAfterWrite(ExpirationAfterWriteStrategy.basedOnTimeForRefillingBucketUpToMax(
                                Duration.ofSeconds(10)))
                        .build();
            }
            return shared;
        } catch (RuntimeException e) {
            countFailure(e);
            return null;
        } finally {
            connecting.unlock();
        }
    }

    private void countFailure(RuntimeException e) {
        if (failures.getAndIncrement() % 1000 == 0) {
            LOG.atWarn().setMessage("rate limiter cannot reach Redis; letting requests through")
                    .addKeyValue("error", e.getClass().getSimpleName()).log();
        }
    }

    /** @param rate requests per second per key @return a limiter whose buckets live in this process */
    public static RateLimiter local(int rate) {
        return new RateLimiter(rate, null, "");
    }

    /**
     * @param rate requests per second per key
     * @param redisUrl the Redis holding the buckets
     * @param prefix a prefix of the bucket keys in Redis
     * @return a limiter shared by every instance using the same Redis and prefix
     */
    public static RateLimiter shared(int rate, String redisUrl, String prefix) {
        return new RateLimiter(rate, Objects.requireNonNull(redisUrl, "redisUrl"), prefix);
    }

    /**
     * Takes one token from a key's bucket.
     *
     * @param key the bucket's key: a hash of the API key, never the key itself
     * @return whether the request may proceed, and if not, when to retry
     */
    public Decision tryAcquire(String key) {
        ConsumptionProbe probe;
        if (local != null) {
            probe = local.get(key).tryConsumeAndReturnRemaining(1);
        } else {
            LettuceBasedProxyManager<byte[]> manager = shared();
            if (manager == null) {
                return new Decision(true, 0);
            }
            try {
                probe = manager.builder()
                        .build((prefix + "rate:" + key).getBytes(StandardCharsets.UTF_8), () -> configuration)
                        .tryConsumeAndReturnRemaining(1);
            } catch (RuntimeException e) {
                countFailure(e);
                return new Decision(true, 0);
            }
        }
        if (probe.isConsumed()) {
            return new Decision(true, 0);
        }
        long seconds = Math.max(1, (probe.getNanosToWaitForRefill() + 999_999_999L) / 1_000_000_000L);
        return new Decision(false, seconds);
    }

    /** @return how many times Redis failed and a request was let through */
    public long failures() {
        return failures.get();
    }

    @Override
    public void close() {
        if (client != null) {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }
}
