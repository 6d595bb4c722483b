package dev.weft.http;

/**
 * A host's circuit breaker, as {@code GET /api/circuit-breaker-status} shows it.
 *
 * @param host the {@code host:port}
 * @param state {@code CLOSED}, {@code OPEN}, {@code HALF_OPEN} (or {@code DISABLED})
 * @param failureRate failure percentage of the window, or -1 before the window has enough calls
 * @param slowCallRate slow-call percentage of the window, or -1 before the window has enough calls
 * @param bufferedCalls calls in the window
 * @param notPermittedCalls calls refused while open
 */
public record BreakerStatus(String host, String state, float failureRate, float slowCallRate, int bufferedCalls,
        long notPermittedCalls) {
}
