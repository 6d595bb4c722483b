package dev.weft.http;

/**
 * The state of a host's circuit breaker. {@link #name()} is the text the status endpoints and logs show
 * ({@code "OPEN"}), so it must not change.
 */
public enum BreakerState {
    /** Calls pass; failures are counted in the window. */
    CLOSED,
    /** Calls fail at once with {@link CircuitOpenException} until the open time has passed. */
    OPEN,
    /** A few probe calls pass; their outcome closes or reopens the breaker. */
    HALF_OPEN,
    /** The config turned the breaker off; every call passes. */
    DISABLED
}
