package dev.weft.http;

import static dev.weft.http.SettingNames.of;

import dev.weft.core.Backoff;
import dev.weft.core.Checks;
import dev.weft.core.InvalidConfigException;
import dev.weft.core.RetryPolicy;
import java.time.Duration;

/**
 * How an {@link ApiClient} retries: how often and how long it waits (weft-core's {@link RetryPolicy}, full-jitter
 * {@link Backoff}), and the per-host retry budget that keeps retries a bounded share of calls. Immutable and
 * thread-safe.
 *
 * @param maxRetries retries after the first attempt, 0..100; 0 turns retry off ({@code max-retries})
 * @param delay base delay of the exponential backoff ({@code retry-delay})
 * @param backoffFactor growth of the backoff cap per retry, 1..100 ({@code backoff-factor})
 * @param maxDelay cap of one backoff delay, at least {@code delay}, and the longest {@code Retry-After} a retry waits
 *     for ({@code max-retry-delay}): when a 429 or 503 asks for a longer wait, or one that ends past the call's
 *     deadline, the call is not retried but fails at once ({@link RateLimitedException} for a 429,
 *     {@link UpstreamException} for a 503), carrying the server's wait in {@code retryAfter()} so the caller can
 *     decide
 * @param budget share of calls per host that may be retried in a sliding window of ten seconds, 0..10
 *     ({@code retry-budget})
 * @param floorPerSecond retries per second per host always allowed, so a quiet client can still retry
 *     ({@code retry-floor-per-second})
 */
public record RetryConfig(int maxRetries, Duration delay, double backoffFactor, Duration maxDelay, double budget,
        int floorPerSecond) {
    /** Default retries after the first attempt. */
    public static final int DEFAULT_MAX_RETRIES = 3;
    /** Default base backoff delay. */
    public static final Duration DEFAULT_DELAY = Duration.ofSeconds(1);
    /** Default backoff factor. */
    public static final double DEFAULT_BACKOFF_FACTOR = 2.0;
    /** Default cap of one backoff delay, and the longest Retry-After waited for. */
    public static final Duration DEFAULT_MAX_DELAY = Duration.ofSeconds(30);
    /** Default retry budget: retries may be at most this share of calls. */
    public static final double DEFAULT_BUDGET = 0.2;
    /** Default floor of retries per second per host. */
    public static final int DEFAULT_FLOOR_PER_SECOND = 1;

    /**
     * Checks every value.
     *
     * @throws InvalidConfigException naming the first bad setting
     */
    public RetryConfig {
        Checks.between(of("max-retries"), maxRetries, 0, 100);
        Checks.atLeast(of("retry-delay"), delay, Duration.ZERO);
        Checks.between(of("backoff-factor"), backoffFactor, 1.0, 100.0);
        Checks.atLeast(of("max-retry-delay"), maxDelay, delay);
        Checks.between(of("retry-budget"), budget, 0.0, 10.0);
        Checks.between(of("retry-floor-per-second"), floorPerSecond, 0, 1_000_000);
    }

    /**
     * Returns the defaults.
     *
     * @return 3 retries, 1 s doubling up to 30 s, a budget of 20 % plus 1 retry per second
     */
    public static RetryConfig defaults() {
        return new RetryConfig(DEFAULT_MAX_RETRIES, DEFAULT_DELAY, DEFAULT_BACKOFF_FACTOR, DEFAULT_MAX_DELAY,
                DEFAULT_BUDGET, DEFAULT_FLOOR_PER_SECOND);
    }

    /**
     * These attempts and waits as weft-core's retry vocabulary.
     *
     * @return {@code maxRetries + 1} attempts with full-jitter backoff from {@code delay} to {@code maxDelay}
     */
    public RetryPolicy policy() {
        return new RetryPolicy(maxRetries + 1, new Backoff(delay, backoffFactor, maxDelay));
    }

    /**
     * A copy with another number of retries.
     *
     * @param value retries after the first attempt
     * @return the changed copy
     */
    public RetryConfig withMaxRetries(int value) {
        return new RetryConfig(value, delay, backoffFactor, maxDelay, budget, floorPerSecond);
    }

    /**
     * A copy with another backoff.
     *
     * @param base base delay
     * @param factor growth per retry
     * @param max cap of one delay, and the longest Retry-After waited for (a longer one fails the call at once)
     * @return the changed copy
     */
    public RetryConfig withBackoff(Duration base, double factor, Duration max) {
        return new RetryConfig(maxRetries, base, factor, max, budget, floorPerSecond);
    }

    /**
     * A copy with another retry budget.
     *
     * @param share share of calls that may be retried
     * @param perSecond retries per second always allowed
     * @return the changed copy
     */
    public RetryConfig withBudget(double share, int perSecond) {
        return new RetryConfig(maxRetries, delay, backoffFactor, maxDelay, share, perSecond);
    }
}
