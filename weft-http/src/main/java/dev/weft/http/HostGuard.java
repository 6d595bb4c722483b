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
 */
final class HostGuard {
    final String authority;
    final @Nullable CircuitBreaker breaker;
    final @Nullable RateGate rateGate;
    final Bulkhead bulkhead;
    final RetryBudget budget;
    final Duration openTime;

    private HostGuard(String authority, @Nullable CircuitBreaker breaker, @Nullable RateGate rateGate,
            Bulkhead bulkhead, RetryBudget budget, Duration openTime) {
        this.authority = authority;
        this.breaker = breaker;
        this.rateGate = rateGate;
        this.bulkhead = bulkhead;
        this.budget = budget;
        this.openTime = openTime;
    }

    static HostGuard create(ApiConfig config, String authority, Clock clock, LongSupplier nanoTime,
            Function<String, @Nullable RateGate> rateGates) {
        CircuitBreaker breaker = null;
        if (config.breakerEnabled()) {
            int window = config.breakerThreshold();
            breaker = CircuitBreaker.of(config.name() + "@" + authority, CircuitBreakerConfig.custom()
                    .slidingWindow(window, window, CircuitBreakerConfig.SlidingWindowType.COUNT_BASED,
                            CircuitBreakerConfig.SlidingWindowSynchronizationStrategy.LOCK_FREE)
                    .failureRateThreshold(config.breakerFailureRate())
                    .slowCallDurationThreshold(config.breakerSlowCall())
                    .slowCallRateThreshold(config.breakerSlowCallRate())
                    .waitDurationInOpenState(config.breakerOpenTime())
                    .permittedNumberOfCallsInHalfOpenState(Math.min(3, window))
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
                new RetryBudget(config.retryBudget(), config.retryFloorPerSecond(), nanoTime), config.breakerOpenTime());
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
