package dev.weft.http;

import dev.weft.core.ratelimit.BucketStore;
import dev.weft.core.ratelimit.RateLimit;
import dev.weft.core.ratelimit.TokenBuckets;
import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link HostGuard} of every host a client has called, created on first use, and the client's one set of rate
 * buckets (weft-core's {@link TokenBuckets}, one bucket per host): shared through a {@link BucketStore} when one is
 * given (with local buckets at the same rate while it fails), else local. Logs each breaker state change.
 *
 * <p>A client that may call any host ({@code allowAnyHost}, a webhook sender: its hosts are user input) forgets a
 * host idle for {@link #IDLE_EVICTION}, and beyond {@link #MAX_HOSTS} the least recently used idle ones (such a host
 * has no meter of its own: {@link CallMetrics}), so users cannot grow its state without bound (weft-core's local rate buckets already drop idle keys
 * once there are many; shared ones expire in their store). A forgotten host starts afresh on its next
 * call (a closed breaker, a full bucket). A host with a call in flight is kept. Other clients call a fixed set of
 * hosts and keep their state.
 *
 * <p>Thread-safe.
 */
final class HostGuards {
    private static final Logger log = LoggerFactory.getLogger(HostGuards.class);

    private final ApiConfig config;
    private final CallMetrics metrics;
    private final Clock clock;
    private final LongSupplier nanoTime;
    private final @Nullable TokenBuckets rateBuckets;
    private final Map<String, HostGuard> guards = new ConcurrentHashMap<>();
    private final AtomicLong lastSweepNanos;

    /** How long an any-host client keeps a host no call has taken. */
    static final Duration IDLE_EVICTION = Duration.ofMinutes(10);
    /** Hosts an any-host client keeps at most (idle ones beyond it go first, least recently used first). */
    static final int MAX_HOSTS = 10_000;
    /** Sweeps run at most this often, from the calls themselves (no thread of their own). */
    static final Duration SWEEP_INTERVAL = Duration.ofMinutes(1);

    /** {@code sharedRates} holds the buckets every instance shares; {@code null} keeps them in this process. */
    HostGuards(ApiConfig config, CallMetrics metrics, Clock clock, LongSupplier nanoTime,
            @Nullable BucketStore sharedRates) {
        this.config = config;
        this.metrics = metrics;
        this.clock = clock;
        this.nanoTime = nanoTime;
        this.rateBuckets = rateBuckets(config, sharedRates);
        this.lastSweepNanos = new AtomicLong(nanoTime.getAsLong());
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
        long now = nanoTime.getAsLong();
        if (config.anyHost()) {
            sweepIfDue(now);
        }
        HostGuard guard = guards.get(authority);
        if (guard == null) {
            guard = guards.computeIfAbsent(authority, this::create);
        }
        guard.touch(now);
        return guard;
    }

    /** Forgets idle hosts, at most once per {@link #SWEEP_INTERVAL} (or at once when over {@link #MAX_HOSTS}). */
    void sweepIfDue(long now) {
        long last = lastSweepNanos.get();
        boolean due = now - last >= SWEEP_INTERVAL.toNanos() || guards.size() >= MAX_HOSTS;
        if (!due || !lastSweepNanos.compareAndSet(last, now)) {
            return;
        }
        long idleNanos = IDLE_EVICTION.toNanos();
        for (HostGuard guard : List.copyOf(guards.values())) {
            if (now - guard.lastUsedNanos() >= idleNanos) {
                forget(guard);
            }
        }
        int over = guards.size() - MAX_HOSTS + 1;
        if (over > 0) {
            guards.values().stream().sorted(Comparator.comparingLong(HostGuard::lastUsedNanos)).limit(over)
                    .toList().forEach(this::forget);
        }
    }

    private void forget(HostGuard guard) {
        if (!guard.idle() || !guards.remove(guard.authority, guard)) {
            return;
        }
        metrics.forgetHost(guard.authority);
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
