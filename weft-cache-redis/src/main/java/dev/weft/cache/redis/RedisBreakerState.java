package dev.weft.cache.redis;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;

/**
 * The state of the circuit breaker in front of Redis, as {@link RedisCaches#breakerState()} reports it.
 * {@link #name()} is the text health checks and logs show ({@code "OPEN"}), so it must not change.
 *
 * <p>A Redis-side twin of weft-http's {@code BreakerState}: weft-cache-redis does not depend on weft-http.
 */
public enum RedisBreakerState {
    /** Redis answers; failures and slow calls are counted in the window. */
    CLOSED,
    /** Redis failed or hung too often: calls fail at once until the open time has passed. */
    OPEN,
    /** A few probe calls pass; their outcome closes or reopens the breaker. */
    HALF_OPEN,
    /** The breaker lets every call pass and counts nothing (never configured so today). */
    DISABLED;

    /**
     * @param state the Resilience4j breaker's state
     * @return its state here; forced open counts as {@link #OPEN}, metrics-only as {@link #DISABLED}
     */
    static RedisBreakerState of(CircuitBreaker.State state) {
        return switch (state) {
            case CLOSED -> CLOSED;
            case OPEN, FORCED_OPEN -> OPEN;
            case HALF_OPEN -> HALF_OPEN;
            case DISABLED, METRICS_ONLY -> DISABLED;
        };
    }
}
