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
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A request budget per API key: at most {@code rate} requests in each one-second window, the window starting with
 * the key's first request (Bucket4j, refilled whole once a second, as Resilience4j's rate limiter does). A burst of
 * {@code rate} requests passes at once; a window never admits more. Buckets live in this process ({@link #local}),
 * or in Redis through Bucket4j's Lettuce integration ({@link #shared}) so that every instance takes from the same
 * bucket.
 *
 * <p>A shared limiter connects to Redis when it is created, so the limit is shared from the first request. While
 * Redis cannot be reached (at start, or later), it limits with buckets of its own at the same rate, so each instance
 * admits up to {@code rate} per key and second (a limit, not none, and a Redis outage is not an API outage); it
 * says so in {@link #mode()}, the gauge {@code weft.ratelimit.fallback} and the {@code mode} tag of
 * {@code weft.ratelimit.requests}. It reconnects by itself, at most a second apart.
 *
 * <p>Thread-safe. {@link #tryAcquire(String)} blocks for at most the Redis command timeout (100 ms, as the caches'
 * commands). After a failed or timed-out command it skips Redis for a second, then lets one request at a time try
 * it (the others keep to the local buckets) until one succeeds: a hung Redis costs one request a second the
 * timeout, not every request.
 */
public final class RateLimiter implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RateLimiter.class);
    private static final Duration REDIS_TIMEOUT = Duration.ofMillis(100);
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(1);
    private static final Duration RECONNECT_INTERVAL = Duration.ofSeconds(1);

    /** Where the buckets are. */
    public enum Mode {
        /** In this process: no Redis is configured. */
        LOCAL,
        /** In Redis, shared by every instance. */
        SHARED,
        /** In this process while the configured Redis cannot be reached: each instance admits the rate. */
        FALLBACK;

        /** @return the lowercase name used in metric tags and health details */
        public String tag() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * A decision.
     *
     * @param allowed whether the request may proceed
     * @param retryAfterSeconds when refused, the whole seconds until a token is back (at least 1)
     */
    public record Decision(boolean allowed, long retryAfterSeconds) {
    }

    private final int rate;
    private final BucketConfiguration configuration;
    private final LoadingCache<String, Bucket> localBuckets;
    private final String prefix;
    private final @Nullable RedisClient client;
    private final @Nullable ClientResources resources;
    private volatile @Nullable StatefulRedisConnection<byte[], byte[]> connection;
    private volatile @Nullable LettuceBasedProxyManager<byte[]> shared;
    /** After a failed Redis command, requests use the local buckets until this moment (nanoTime). */
    private volatile long skipRedisUntilNanos;
    /** The last Redis command failed: Redis is tried again by one request at a time until one succeeds. */
    private volatile boolean degraded;
    private final AtomicBoolean probing = new AtomicBoolean();
    private final AtomicLong failures = new AtomicLong();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final @Nullable Thread reconnector;
    /** Per mode ordinal: [allowed, limited]. */
    private final Counter[][] requests;

    private RateLimiter(int rate, @Nullable String redisUrl, String prefix, MeterRegistry registry) {
        if (rate < 1) {
            throw new IllegalArgumentException("rate must be >= 1: " + rate);
        }
        this.rate = rate;
        // Refilled whole once a second rather than greedily: a greedy bucket of this capacity admits twice the rate
        // in its first second (the full bucket plus a second of refill); a fresh key must get the rate, not double.
        this.configuration = BucketConfiguration.builder()
                .addLimit(Bandwidth.builder().capacity(rate).refillIntervally(rate, Duration.ofSeconds(1)).build())
                .build();
        this.localBuckets = Caffeine.newBuilder().maximumSize(100_000).expireAfterAccess(Duration.ofMinutes(2))
                .build(key -> Bucket.builder().addLimit(configuration.getBandwidths()[0]).build());
        this.prefix = prefix;
        this.requests = new Counter[Mode.values().length][];
        for (Mode mode : Mode.values()) {
            requests[mode.ordinal()] = new Counter[] {counter(registry, mode, "allowed"),
                counter(registry, mode, "limited")};
        }
        Gauge.builder("weft.ratelimit.fallback", this, limiter -> limiter.mode() == Mode.FALLBACK ? 1 : 0)
                .description("1 while the shared rate limiter limits with local buckets because Redis is unreachable")
                .register(registry);
        if (redisUrl == null) {
            client = null;
            resources = null;
            reconnector = null;
            return;
        }
        // Lettuce's default reconnect backoff grows to 30 s; the limit should be shared again within a second or so.
        resources = ClientResources.builder().reconnectDelay(
                Delay.exponential(Duration.ofMillis(50), RECONNECT_INTERVAL, 2, TimeUnit.MILLISECONDS)).build();
        client = RedisClient.create(resources, RedisURI.create(redisUrl));
        client.setOptions(ClientOptions.builder()
                .socketOptions(SocketOptions.builder().connectTimeout(CONNECT_TIMEOUT).build())
                .timeoutOptions(TimeoutOptions.enabled(REDIS_TIMEOUT))
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS).build());
        if (connect()) {
            reconnector = null;
        } else {
            LOG.atWarn().setMessage("rate limiter cannot reach Redis; limiting per instance until it can")
                    .addKeyValue("rate_limit", rate).log();
            reconnector = Thread.ofVirtual().name("weft-ratelimit-reconnect").start(this::reconnect);
        }
    }

    private static Counter counter(MeterRegistry registry, Mode mode, String outcome) {
        return Counter.builder("weft.ratelimit.requests")
                .description("Requests the per-key rate limiter decided, by where the buckets were and the outcome")
                .tag("mode", mode.tag())
                .tag("outcome", outcome)
                .register(registry);
    }

    /** @return whether the connection is open; the first attempt is made before the service listens */
    private boolean connect() {
        try {
            StatefulRedisConnection<byte[], byte[]> opened = Objects.requireNonNull(client)
                    .connect(ByteArrayCodec.INSTANCE);
            shared = Bucket4jLettuce.casBasedBuilder(opened)
                    .expirationAfterWrite(ExpirationAfterWriteStrategy.basedOnTimeForRefillingBucketUpToMax(
                            Duration.ofSeconds(10)))
                    .build();
            connection = opened;
            if (closed.get()) {
                opened.close(); // closed while connecting
            }
            return true;
        } catch (RuntimeException e) {
            failures.incrementAndGet();
            return false;
        }
    }

    /** Retries the first connection once a second; after that, Lettuce reconnects the open connection itself. */
    private void reconnect() {
        while (!closed.get()) {
            try {
                Thread.sleep(RECONNECT_INTERVAL);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            if (!closed.get() && connect()) {
                LOG.atInfo().setMessage("rate limiter reached Redis; the limit is shared again").log();
                return;
            }
        }
    }

    /**
     * @param rate requests per second per key
     * @param registry where the limiter's meters go
     * @return a limiter whose buckets live in this process
     */
    public static RateLimiter local(int rate, MeterRegistry registry) {
        return new RateLimiter(rate, null, "", Objects.requireNonNull(registry, "registry"));
    }

    /**
     * Creates a limiter over Redis and connects to it (within a second); if Redis cannot be reached it starts in
     * {@link Mode#FALLBACK} and keeps trying.
     *
     * @param rate requests per second per key
     * @param redisUrl the Redis holding the buckets
     * @param prefix a prefix of the bucket keys in Redis
     * @param registry where the limiter's meters go
     * @return a limiter shared by every instance using the same Redis and prefix
     */
    public static RateLimiter shared(int rate, String redisUrl, String prefix, MeterRegistry registry) {
        return new RateLimiter(rate, Objects.requireNonNull(redisUrl, "redisUrl"),
                Objects.requireNonNull(prefix, "prefix"), Objects.requireNonNull(registry, "registry"));
    }

    /**
     * Takes one token from a key's bucket.
     *
     * @param key the bucket's key: the caller's scope ({@code admin} or {@code user:ID}), never the API key itself
     * @return whether the request may proceed, and if not, when to retry
     */
    public Decision tryAcquire(String key) {
        Mode mode = client == null ? Mode.LOCAL : Mode.FALLBACK;
        ConsumptionProbe probe = null;
        boolean probingRedis = false;
        boolean tryRedis = false;
        if (mode == Mode.FALLBACK && connected()) {
            if (!degraded) {
                tryRedis = true;
            } else if (System.nanoTime() - skipRedisUntilNanos >= 0 && probing.compareAndSet(false, true)) {
                tryRedis = true;
                probingRedis = true; // the one request that finds out whether Redis answers again
            }
        }
        if (tryRedis) {
            try {
                probe = Objects.requireNonNull(shared).builder()
                        .build((prefix + "rate:" + key).getBytes(StandardCharsets.UTF_8), () -> configuration)
                        .tryConsumeAndReturnRemaining(1);
                mode = Mode.SHARED;
                if (degraded) {
                    degraded = false;
                    LOG.atInfo().setMessage("rate limiter reached Redis; the limit is shared again").log();
                }
            } catch (RuntimeException e) {
                // a hung Redis would cost every request the command timeout: skip it for a second
                skipRedisUntilNanos = System.nanoTime() + RECONNECT_INTERVAL.toNanos();
                degraded = true;
                if (failures.getAndIncrement() % 1000 == 0) {
                    LOG.atWarn().setMessage("rate limiter cannot reach Redis; limiting per instance until it can")
                            .addKeyValue("error", e.getClass().getSimpleName()).log();
                }
            } finally {
                if (probingRedis) {
                    probing.set(false);
                }
            }
        }
        if (probe == null) {
            probe = localBuckets.get(key).tryConsumeAndReturnRemaining(1);
        }
        Counter[] outcomes = requests[mode.ordinal()];
        if (probe.isConsumed()) {
            outcomes[0].increment();
            return new Decision(true, 0);
        }
        outcomes[1].increment();
        long seconds = Math.max(1, (probe.getNanosToWaitForRefill() + 999_999_999L) / 1_000_000_000L);
        return new Decision(false, seconds);
    }

    private boolean connected() {
        StatefulRedisConnection<byte[], byte[]> open = connection;
        return open != null && open.isOpen();
    }

    /** @return where the next request's bucket would be: local, shared, or the fallback while Redis is unreachable */
    public Mode mode() {
        return client == null ? Mode.LOCAL : connected() && !degraded ? Mode.SHARED : Mode.FALLBACK;
    }

    /** @return the configured requests per second per key */
    public int rate() {
        return rate;
    }

    /** @return how many connection attempts and commands failed against Redis */
    public long failures() {
        return failures.get();
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        if (reconnector != null) {
            reconnector.interrupt();
        }
        StatefulRedisConnection<byte[], byte[]> open = connection;
        if (open != null) {
            open.close();
        }
        if (client != null) {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
        if (resources != null) {
            resources.shutdown(0, 2, TimeUnit.SECONDS);
        }
    }
}
