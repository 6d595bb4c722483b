package dev.weft.core;

import java.time.Duration;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * How often to try a call and how long to wait between tries: the one retry vocabulary of weft's database, HTTP
 * and job configs. Which failures are worth retrying is each caller's business (a SQLState, a status code, a
 * {@link WeftException#retryable()}); this record only counts and waits.
 *
 * <p>Immutable and thread-safe.
 *
 * @param maxAttempts attempts in all, the first one included; 1 turns retry off
 * @param backoff the wait before each retry
 */
public record RetryPolicy(int maxAttempts, Backoff backoff) {

    /** Validates the parts. */
    public RetryPolicy {
        Checks.between("retry.max-attempts", maxAttempts, 1, 1_000);
        Objects.requireNonNull(backoff, "backoff");
    }

    /**
     * @param maxAttempts attempts in all
     * @param initialDelay the bound of the first wait
     * @param maxDelay the largest bound
     * @return a policy with doubling full-jitter backoff
     */
    public static RetryPolicy of(int maxAttempts, Duration initialDelay, Duration maxDelay) {
        return new RetryPolicy(maxAttempts, Backoff.exponential(initialDelay, maxDelay));
    }

    /** @return a policy that tries once */
    public static RetryPolicy none() {
        return new RetryPolicy(1, Backoff.exponential(Duration.ZERO, Duration.ZERO));
    }

    /** @return the retries after the first attempt */
    public int maxRetries() {
        return maxAttempts - 1;
    }

    /**
     * @param attemptsMade attempts already made
     * @return whether another attempt is allowed
     */
    public boolean allowsAnotherAttempt(int attemptsMade) {
        return attemptsMade < maxAttempts;
    }

    /**
     * @param retry 1 for the first retry
     * @param retryAfter the server's hint, or {@code null}
     * @return the wait before that retry
     */
    public Duration delayBefore(int retry, @Nullable Duration retryAfter) {
        return backoff.delay(retry, retryAfter, java.util.concurrent.ThreadLocalRandom.current());
    }
}
