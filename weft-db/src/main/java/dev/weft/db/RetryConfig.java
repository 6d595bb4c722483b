package dev.weft.db;

import dev.weft.core.Backoff;
import dev.weft.core.Checks;
import dev.weft.core.RetryPolicy;
import java.time.Duration;

/**
 * Retry of transient faults: connection-class SQLStates ({@code 08xxx}), serialization failure ({@code 40001}),
 * deadlock ({@code 40P01} and MariaDB/MySQL 1213), admin shutdown ({@code 57P01}) and too many connections
 * ({@code 53300}). Reads retry by default, single writes only when asked ({@code .retry(true)}), and a whole
 * transaction is retried on serialization failure or deadlock.
 *
 * <p>Backoff is weft-core's {@link Backoff}, exponential with full jitter: retry {@code n} waits a random time in
 * {@code [0, min(maxDelay, initialDelay * multiplier^(n-1))]}. {@link #policy()} gives the whole config as a
 * {@link RetryPolicy}.
 *
 * @param maxRetries retries after the first attempt; 0 turns retry off ({@code weft.db.retry.max-retries})
 * @param initialDelay the first backoff bound ({@code weft.db.retry.delay})
 * @param multiplier the growth of the bound per attempt ({@code weft.db.retry.multiplier})
 * @param maxDelay the largest bound ({@code weft.db.retry.max-delay})
 */
public record RetryConfig(int maxRetries, Duration initialDelay, double multiplier, Duration maxDelay) {
    /** Default {@link #maxRetries()}. */
    public static final int DEFAULT_MAX_RETRIES = 3;
    /** Default {@link #initialDelay()}. */
    public static final Duration DEFAULT_INITIAL_DELAY = Duration.ofMillis(50);
    /** Default {@link #multiplier()}. */
    public static final double DEFAULT_MULTIPLIER = 2.0;
    /** Default {@link #maxDelay()}. */
    public static final Duration DEFAULT_MAX_DELAY = Duration.ofSeconds(2);

    /** Validates every field. */
    public RetryConfig {
        Checks.between("weft.db.retry.max-retries", maxRetries, 0, 100);
        Checks.atLeast("weft.db.retry.delay", initialDelay, Duration.ZERO);
        Checks.between("weft.db.retry.multiplier", multiplier, 1.0, 100.0);
        Checks.atLeast("weft.db.retry.max-delay", maxDelay, initialDelay);
    }

    /** @return 3 retries, 50 ms initial bound, doubling, at most 2 s */
    public static RetryConfig defaults() {
        return new RetryConfig(DEFAULT_MAX_RETRIES, DEFAULT_INITIAL_DELAY, DEFAULT_MULTIPLIER, DEFAULT_MAX_DELAY);
    }

    /** @return a config that never retries */
    public static RetryConfig none() {
        return new RetryConfig(0, DEFAULT_INITIAL_DELAY, DEFAULT_MULTIPLIER, DEFAULT_MAX_DELAY);
    }

    /**
     * @param retries the new retry count
     * @return a copy with {@code maxRetries} changed
     */
    public RetryConfig withMaxRetries(int retries) {
        return new RetryConfig(retries, initialDelay, multiplier, maxDelay);
    }

    /**
     * The upper bound of the wait before retry number {@code attempt}.
     *
     * @param attempt 1 for the first retry
     * @return the bound, at most {@link #maxDelay()}
     */
    public Duration backoffBound(int attempt) {
        return backoff().bound(attempt);
    }

    /** @return this backoff as weft-core's {@link Backoff} */
    public Backoff backoff() {
        return new Backoff(initialDelay, multiplier, maxDelay);
    }

    /** @return this config as weft-core's {@link RetryPolicy}: {@code maxRetries + 1} attempts in all */
    public RetryPolicy policy() {
        return new RetryPolicy(maxRetries + 1, backoff());
    }
}
