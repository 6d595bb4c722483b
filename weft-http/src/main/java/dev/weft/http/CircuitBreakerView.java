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
     * Returns the state.
     *
     * @return the state
     */
    default BreakerState state() {
        return status().state();
    }

    /**
     * How long until the breaker lets a call through: zero when closed, the rest of the open time when open, a
     * short recheck interval when half-open with its probes all out. A caller with work that can wait (a job
     * queue) waits this long, plus jitter, instead of a fixed back-off, and so resumes within moments of a
     * recovery.
     *
     * @return the wait, never negative
     */
    java.time.Duration permittedIn();

    /** Closes the breaker and clears its window. */
    void reset();
}
