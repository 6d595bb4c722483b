package dev.weft.http;

import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.bulkhead.BulkheadConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.time.Clock;
import java.time.Duration;
import java.util.function.Function;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;

/**
 * The per-host guards, in the order a call passes them: circuit breaker, rate limit, bulkhead; plus the retry
 * budget. One per {@code host:port}, created on first use. Thread-safe.
 *
 * <p>The breaker's window is time-based ({@code breakerWindow}) with a minimum number of calls
 * ({@code breakerThreshold}); the guard also remembers when the breaker opened, so a refused caller learns how long
 * until it half-opens ({@link #permittedIn()}) instead of a fixed open time.
 */
final class HostGuard {
    /**
     * Wait told to callers refused while the breaker is half-open and its probes are all out: a probe answers
     * within a response time, so callers look again soon; the jitter the caller adds spreads them.
     */
    static final Duration HALF_OPEN_RECHECK = Duration.ofMillis(500);

    final String authority;
    final @Nullable CircuitBreaker breaker;
    final @Nullable RateGate rateGate;
    final Bulkhead bulkhead;
    final RetryBudget budget;
    final Duration openTime;
    private final Clock clock;
    private volatile long openedAtMillis;

    private HostGuard(String authority, @Nullable CircuitBreaker breaker, @Nullable RateGate rateGate,
            Bulkhead bulkhead, RetryBudget budget, Duration openTime, Clock clock) {
        this.authority = authority;
        this.breaker = breaker;
        this.rateGate = rateGate;
        this.bulkhead = bulkhead;
        this.budget = budget;
        this.openTime = openTime;
        this.clock = clock;
        if (breaker != null) {
            breaker.getEventPublisher().onStateTransition(event -> {
                if (event.getStateTransition().getToState() == CircuitBreaker.State.OPEN
                        || event.getStateTransition().getToState() == CircuitBreaker.State.FORCED_OPEN) {
                    openedAtMillis = clock.millis();
                }
            });
        }
    }

    /**
     * How long until the breaker lets a call through: zero when closed, the rest of the open time when open, a short
     * recheck when half-open (its probes are out).
     */
    Duration permittedIn() {
        if (breaker == null) {
            return Duration.ZERO;
        }
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

    static HostGuard create(ApiConfig config, String authority, Clock clock, LongSupplier nanoTime,
            Function<String, @Nullable RateGate> rateGates) {
        CircuitBreaker breaker = null;
        if (config.breakerEnabled()) {
            int minimumCalls = config.breakerThreshold();
            breaker = CircuitBreaker.of(config.name() + "@" + authority, CircuitBreakerConfig.custom()
                    .slidingWindow((int) config.breakerWindow().toSeconds(), minimumCalls,
                            CircuitBreakerConfig.SlidingWindowType.TIME_BASED,
                            // the synchronized time window reads the injected clock (the lock-free one reads
                            // System.nanoTime); since JDK 24 a synchronized block no longer pins a virtual thread
                            CircuitBreakerConfig.SlidingWindowSynchronizationStrategy.SYNCHRONIZED)
                    .failureRateThreshold(config.breakerFailureRate())
                    .slowCallDurationThreshold(config.breakerSlowCall())
                    .slowCallRateThreshold(config.breakerSlowCallRate())
                    .waitDurationInOpenState(config.breakerOpenTime())
                    .permittedNumberOfCallsInHalfOpenState(Math.min(3, minimumCalls))
                    .recordException(e -> true)
                    .clock(clock)
                    .build());
        }
        Bulkhead bulkhead = Bulkhead.of(config.name() + "@" + authority, BulkheadConfig.custom()
                .maxConcurrentCalls(config.maxConcurrentPerHost())
                .maxWaitDuration(config.totalTimeout())
                .fairCallHandlingStrategyEnabled(true)
                .build());
        return new HostGuard(authority, breaker, rateGates.apply(authority), bulkhead,
                new RetryBudget(config.retryBudget(), config.retryFloorPerSecond(), nanoTime), config.breakerOpenTime(),
                clock);
    }

    BreakerStatus breakerStatus() {
        if (breaker == null) {
            return new BreakerStatus(authority, "DISABLED", -1, -1, 0, 0);
        }
        CircuitBreaker.Metrics metrics = breaker.getMetrics();
        return new BreakerStatus(authority, breaker.getState().name(), metrics.getFailureRate(),
                metrics.getSlowCallRate(), metrics.getNumberOfBufferedCalls(), metrics.getNumberOfNotPermittedCalls());
    }
}
