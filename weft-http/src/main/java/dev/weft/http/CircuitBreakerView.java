package dev.weft.http;

/** One host's circuit breaker: its state and a reset. Thread-safe. */
public interface CircuitBreakerView {
    /**
     * Returns the current state and window figures.
     *
     * @return the current state and window figures
     */
    BreakerStatus status();

    /**
     * Returns the state name: {@code CLOSED}, {@code OPEN}, {@code HALF_OPEN}.
     *
     * @return the state name: {@code CLOSED}, {@code OPEN}, {@code HALF_OPEN}
     */
    default String state() {
        return status().state();
    }

    /** Closes the breaker and clears its window. */
    void reset();
}
