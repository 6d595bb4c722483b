package dev.weft.http;

import dev.weft.core.ratelimit.BucketStore;
import dev.weft.core.ratelimit.RateLimit;
import dev.weft.core.ratelimit.TokenBuckets;
import java.time.Clock;
import java.util.Collection;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link HostGuard} of every host a client has called, created on first use, and the client's one set of rate
 * buckets (weft-core's {@link TokenBuckets}, one bucket per host): shared through a {@link BucketStore} when one is
 * given (with local buckets at the same rate while it fails), else local. Logs each breaker state change.
 * Thread-safe.
 */
final class HostGuards {
    private static final Logger log = LoggerFactory.getLogger(HostGuards.class);

    private final ApiConfig config;
    private final CallMetrics metrics;
    private final Clock clock;
    private final LongSupplier nanoTime;
    private final @Nullable TokenBuckets rateBuckets;
    private final Map<String, HostGuard> guards = new ConcurrentHashMap<>();

    /** {@code sharedRates} holds the buckets every instance shares; {@code null} keeps them in this process. */
    HostGuards(ApiConfig config, CallMetrics metrics, Clock clock, LongSupplier nanoTime,
            @Nullable BucketStore sharedRates) {
        this.config = config;
        this.metrics = metrics;
        this.clock = clock;
        this.nanoTime = nanoTime;
        this.rateBuckets = rateBuckets(config, sharedRates);
    }

    /**
     * Bucket4j's greedy refill, which weft-http's buckets always had: smooth, bursts up to the rate. In a store the
     * bucket of {@code <client>:<authority>} sits at {@code weft:http:rate:<client>:<authority>} (the store's prefix
     * is {@link ApiClientBuilder#SHARED_RATE_PREFIX}).
     */
    private static @Nullable TokenBuckets rateBuckets(ApiConfig config, @Nullable BucketStore sharedRates) {
        RateLimitConfig limit = config.rateLimit();
        if (!limit.enabled()) {
            return null;
        }
        RateLimit perHost = RateLimit.smoothPerSecond(limit.perSecond());
        return sharedRates != null ? TokenBuckets.shared("http-" + config.name(), perHost, sharedRates)
                : TokenBuckets.local(perHost);
    }

    /** The host's guard, created on first use. */
    HostGuard guard(String authority) {
        HostGuard guard = guards.get(authority);
        return guard != null ? guard : guards.computeIfAbsent(authority, this::create);
    }

    Collection<HostGuard> all() {
        return guards.values();
    }

    Set<String> hosts() {
        return guards.keySet();
    }

    private HostGuard create(String authority) {
        HostGuard created = HostGuard.create(config, authority, clock, nanoTime, rateBuckets);
        metrics.breakerGauges(authority, created);
        created.onTransition(transition -> {
            metrics.breakerTransition();
            log.atWarn().setMessage("circuit breaker changed state").addKeyValue("api_client", config.name())
                    .addKeyValue("server.address", authority).addKeyValue("transition", transition).log();
        });
        return created;
    }
}
