package dev.weft.http;

import dev.weft.core.ErrorKind;
import java.time.Duration;
import java.util.Optional;

/**
 * A call failed with a retryable fault, and the host's retry budget refused the retry: retries already made up
 * their allowed share of calls. The fault that would have been retried is the cause. Maps to 503. Thread-safe.
 */
public final class RetryBudgetExhaustedException extends ApiException {
    private static final long serialVersionUID = 1L;

    RetryBudgetExhaustedException(String client, String host, int attempts, ApiException cause) {
        super(ErrorKind.UNAVAILABLE, client, host, "retry_budget_exhausted",
                "retry budget exhausted after " + attempts + " attempt(s); last fault: " + cause.code(), cause);
    }

    /**
     * The wait of the fault that would have been retried, when it knew one (the 1 s a 429 without
     * {@code Retry-After} suggests, for instance; a retry the server asked for with {@code Retry-After} never draws
     * from the budget).
     *
     * @return the wait, or empty
     */
    @Override
    public Optional<Duration> retryAfter() {
        return getCause() instanceof ApiException fault ? fault.retryAfter() : Optional.empty();
    }
}
