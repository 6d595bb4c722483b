package dev.weft.http;

import dev.weft.core.ratelimit.RateDecision;
import dev.weft.core.ratelimit.TokenBuckets;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;

/**
 * The per-host guards, in the order an attempt passes them ({@link #admit}): circuit breaker (Resilience4j), rate
 * limit (the host's bucket in the client's {@link TokenBuckets}), bulkhead (a fair {@link Semaphore}); plus the
 * host's retry budget. One per {@code host:port}, created on first use by
 * {@link HostGuards}. Thread-safe.
 *
 * <p>An admitted attempt holds a breaker permission and a bulkhead permit. It reports its outcome with
 * {@link #onResponse} or {@link #onFailure} (which use the breaker permission), or gives the permission back with
 * {@link #releaseBreaker()} if it never reached the server, and returns the permit with {@link #releaseBulkhead()}
 * when its response is closed.
 *
 * <p>The bulkhead is a plain fair semaphore rather than Resilience4j's because each call waits for a permit only
 * as long as its own deadline leaves (a per-request timeout included), and R4j's bulkhead has one wait for all.
 *
 * <p>The breaker's window is time-based ({@code breaker.window}) with a minimum number of calls
 * ({@code breaker.threshold}); the guard also remembers when the breaker opened, so a refused caller learns how
 * long until it half-opens ({@link #permittedIn()}) instead of a fixed open time.
 */
final class HostGuard {
    /**
     * Wait told to callers refused while the breaker is half-open and its probes are all out: a probe answers
     * within a response time, so callers look again soon; the jitter the caller adds spreads them.
     */
    static final Duration HALF_OPEN_RECHECK = Duration.ofMillis(500);

    final String authority;
    final RetryBudget budget;
    private final ApiConfig config;
    private final @Nullable CircuitBreaker breaker;
    private final @Nullable TokenBuckets rateBuckets;
    /** This host's bucket in {@link #rateBuckets}: {@code <client>:<authority>}. */
    private final String rateKey;
    /** Permits for calls in flight to this host ({@code maxConcurrentPerHost}); waiters queue FIFO. */
    private final Semaphore bulkhead;
    private final Clock clock;
    private final LongSupplier nanoTime;
    private volatile long openedAtMillis;
    /** The client's {@code nanoTime} when a call last took this guard, for {@link HostGuards}' eviction of idle hosts. */
    private volatile long lastUsedNanos;

    private HostGuard(ApiConfig config, String authority, @Nullable CircuitBreaker breaker,
            @Nullable TokenBuckets rateBuckets, RetryBudget budget, Clock clock, LongSupplier nanoTime) {
        this.config = config;
        this.authority = authority;
        this.breaker = breaker;
        this.rateBuckets = rateBuckets;
        this.rateKey = config.name() + ":" + authority;
        this.bulkhead = new Semaphore(config.pool().maxConcurrentPerHost(), true);
        this.budget = budget;
        this.clock = clock;
        this.nanoTime = nanoTime;
    }

    /** {@code rateBuckets} are the client's rate buckets, {@code null} when the rate limit is off. */
    static HostGuard create(ApiConfig config, String authority, Clock clock, LongSupplier nanoTime,
            @Nullable TokenBuckets rateBuckets) {
        CircuitBreaker breaker = null;
        BreakerConfig settings = config.breaker();
        if (settings.enabled()) {
            int minimumCalls = settings.threshold();
            breaker = CircuitBreaker.of(config.name() + "@" + authority, CircuitBreakerConfig.custom()
                    .slidingWindow((int) settings.window().toSeconds(), minimumCalls,
                            CircuitBreakerConfig.SlidingWindowType.TIME_BASED,
                            // the synchronized time window reads the injected clock (the lock-free one reads
                            // System.nanoTime); since JDK 24 a synchronized block no longer pins a virtual thread
                            CircuitBreakerConfig.SlidingWindowSynchronizationStrategy.SYNCHRONIZED)
                    .failureRateThreshold(settings.failureRate())
                    .slowCallDurationThreshold(settings.slowCall())
                    .slowCallRateThreshold(settings.slowCallRate())
                    .waitDurationInOpenState(settings.openTime())
                    .permittedNumberOfCallsInHalfOpenState(Math.min(3, minimumCalls))
                    .recordException(e -> true)
                    .clock(clock)
                    .build());
        }
        HostGuard guard = new HostGuard(config, authority, breaker, rateBuckets,
                new RetryBudget(config.retry().budget(), config.retry().floorPerSecond(), nanoTime), clock, nanoTime);
        if (breaker != null) {
            breaker.getEventPublisher().onStateTransition(event -> {
                CircuitBreaker.State to = event.getStateTransition().getToState();
                if (to == CircuitBreaker.State.OPEN || to == CircuitBreaker.State.FORCED_OPEN) {
                    guard.openedAtMillis = clock.millis();
                }
            });
        }
        return guard;
    }

    /**
     * Lets one attempt through the breaker, the rate limit and the bulkhead, in that order; a refused attempt holds
     * nothing. The rate limit waits for the host's bucket up to {@code rate-limit-wait} (bounded by the deadline).
     * With a shared store the bucket is the one every instance uses; while the store fails it is a bucket of this
     * instance at the same rate (see {@link TokenBuckets#shared}), so the limit holds per instance instead of lifting.
     *
     * The bulkhead then waits for a permit for whatever time the call has left.
     *
     * @param remainingNanos time left before the call's deadline: the longest the rate limit and bulkhead may wait
     * @param last the previous attempt's failure, the cause of a {@link CircuitOpenException}, or {@code null}
     * @param budgetMillis the call's whole time budget, for the message of a timeout
     * @throws CircuitOpenException if the breaker refuses
     * @throws RateLimitedException if no rate permit comes within {@code rate-limit-wait} or the time left
     * @throws BulkheadFullException (a timeout) if no bulkhead permit comes before the call's deadline
     * @throws ApiConnectException if interrupted while waiting for a rate or bulkhead permit (the flag stays set)
     */
    void admit(long remainingNanos, @Nullable Throwable last, long budgetMillis) {
        long start = nanoTime.getAsLong();
        if (breaker != null && !breaker.tryAcquirePermission()) {
            throw new CircuitOpenException(config.name(), authority, permittedIn(), last);
        }
        if (rateBuckets != null) {
            RateLimitConfig limit = config.rateLimit();
            Duration maxWait = min(limit.maxWait(), remainingNanos);
            RateDecision decision = rateBuckets.acquire(rateKey, maxWait);
            if (!decision.allowed()) {
                releaseBreaker();
                if (!maxWait.isZero() && Thread.currentThread().isInterrupted()) {
                    // acquire gave up its wait and left the flag set
                    throw TransportFailures.interrupted(config.name(), authority, "waiting for a rate-limit permit");
                }
                throw new RateLimitedException(config.name(), authority, decision.retryAfter(),
                        "rate limit of " + limit.perSecond() + "/s reached; no permit within "
                                + maxWait.toMillis() + " ms", false);
            }
        }
        acquireBulkhead(remainingNanos - (nanoTime.getAsLong() - start), budgetMillis);
    }

    /** Waits for a bulkhead permit up to {@code maxWaitNanos}; a refused attempt gives its breaker permission back. */
    private void acquireBulkhead(long maxWaitNanos, long budgetMillis) {
        boolean acquired;
        try {
            acquired = bulkhead.tryAcquire(Math.max(0, maxWaitNanos), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            releaseBreaker();
            Thread.currentThread().interrupt();
            throw TransportFailures.interrupted(config.name(), authority, "waiting for a connection to the host");
        }
        if (!acquired) {
            releaseBreaker();
            // The caller's own streams or slow calls hold every permit: say so, the usual cause is an unclosed stream.
            throw new BulkheadFullException(config.name(), authority, "bulkhead_full",
                    "waited until the call's deadline (" + budgetMillis + " ms) for one of "
                            + config.pool().maxConcurrentPerHost() + " connections to the host; all stayed in use "
                            + "(unclosed streams or slow calls)", null);
        }
    }

    /**
     * Records a response in the breaker: a 5xx is a failure when {@code breaker.countsStatuses}, anything else a
     * success (the host answered; a slow answer still counts as slow).
     */
    void onResponse(int status, long elapsedNanos) {
        if (breaker == null) {
            return;
        }
        if (status >= 500 && config.breaker().countsStatuses()) {
            breaker.onError(elapsedNanos, TimeUnit.NANOSECONDS, new UpstreamStatus(status));
        } else {
            breaker.onSuccess(elapsedNanos, TimeUnit.NANOSECONDS);
        }
    }

    /** Records an attempt that got no response in the breaker. */
    void onFailure(long elapsedNanos, Throwable failure) {
        if (breaker != null) {
            breaker.onError(elapsedNanos, TimeUnit.NANOSECONDS, failure);
        }
    }

    /** Gives back the breaker permission of an attempt that never reached the server. */
    void releaseBreaker() {
        if (breaker != null) {
            breaker.releasePermission();
        }
    }

    /** Marks the guard used at {@code nanos} (each call that takes it). */
    void touch(long nanos) {
        lastUsedNanos = nanos;
    }

    /** @return {@code nanoTime} of the last use */
    long lastUsedNanos() {
        return lastUsedNanos;
    }

    /** @return whether no call holds a bulkhead permit of this host */
    boolean idle() {
        return bulkhead.availablePermits() == config.pool().maxConcurrentPerHost();
    }

    /** Returns the bulkhead permit of an attempt whose response is closed. */
    void releaseBulkhead() {
        bulkhead.release();
    }

    /**
     * How long until the breaker lets a call through: zero when closed, the rest of the open time when open, a short
     * recheck when half-open (its probes are out).
     */
    Duration permittedIn() {
        if (breaker == null) {
            return Duration.ZERO;
        }
        Duration openTime = config.breaker().openTime();
        return switch (breaker.getState()) {
            case OPEN -> {
                long left = openedAtMillis + openTime.toMillis() - clock.millis();
                yield left > 0 ? Duration.ofMillis(left) : Duration.ZERO;
            }
            case HALF_OPEN -> HALF_OPEN_RECHECK;
            case FORCED_OPEN -> openTime;
            default -> Duration.ZERO;
        };
    }

    /** Closes the breaker and clears its window. */
    void resetBreaker() {
        if (breaker != null) {
            breaker.reset();
        }
    }

    BreakerStatus breakerStatus() {
        if (breaker == null) {
            return new BreakerStatus(authority, BreakerState.DISABLED, -1, -1, 0, 0);
        }
        CircuitBreaker.Metrics metrics = breaker.getMetrics();
        return new BreakerStatus(authority, state(breaker.getState()), metrics.getFailureRate(),
                metrics.getSlowCallRate(), metrics.getNumberOfBufferedCalls(), metrics.getNumberOfNotPermittedCalls());
    }

    /** @return whether this host has a circuit breaker ({@code breaker.enabled}) */
    boolean hasBreaker() {
        return breaker != null;
    }

    /** @return the breaker's state, {@link BreakerState#DISABLED} without one; cheap enough for a gauge */
    BreakerState breakerState() {
        return breaker == null ? BreakerState.DISABLED : state(breaker.getState());
    }

    /** Calls {@code listener} with each state change of the breaker, if there is one. */
    void onTransition(java.util.function.Consumer<String> listener) {
        if (breaker != null) {
            breaker.getEventPublisher().onStateTransition(event ->
                    listener.accept(event.getStateTransition().toString()));
        }
    }

    /** weft's state for Resilience4j's; weft never forces or disables a breaker at run time. */
    private static BreakerState state(CircuitBreaker.State state) {
        return switch (state) {
            case CLOSED -> BreakerState.CLOSED;
            case OPEN, FORCED_OPEN -> BreakerState.OPEN;
            case HALF_OPEN -> BreakerState.HALF_OPEN;
            case DISABLED, METRICS_ONLY -> BreakerState.DISABLED;
        };
    }

    private static Duration min(Duration limit, long remainingNanos) {
        return limit.toNanos() <= remainingNanos ? limit : Duration.ofNanos(Math.max(0, remainingNanos));
    }

    /** Why the breaker recorded an error for a response that arrived. */
    private static final class UpstreamStatus extends RuntimeException {
        private static final long serialVersionUID = 1L;

        UpstreamStatus(int status) {
            super("upstream answered " + status, null, false, false);
        }
    }
}
