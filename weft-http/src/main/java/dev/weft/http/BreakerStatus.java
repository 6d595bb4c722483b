package dev.weft.http;

import java.util.Objects;

/**
 * A host's circuit breaker, as {@code GET /api/circuit-breaker-status} shows it.
 *
 * @param host the {@code host:port}
 * @param state the state
 * @param failureRate failure percentage of the window, or -1 before the window has enough calls
 * @param slowCallRate slow-call percentage of the window, or -1 before the window has enough calls
 * @param bufferedCalls calls in the window
 * @param notPermittedCalls calls refused while open
 */
public record BreakerStatus(String host, BreakerState state, float failureRate, float slowCallRate,
        int bufferedCalls, long notPermittedCalls) {

    /** Checks that host and state are given. */
    public BreakerStatus {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(state, "state");
    }
}
