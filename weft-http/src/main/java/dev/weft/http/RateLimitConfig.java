package dev.weft.http;

import static dev.weft.http.SettingNames.of;

import dev.weft.core.Checks;
import dev.weft.core.InvalidConfigException;
import java.time.Duration;

/**
 * The per-host rate limit of an {@link ApiClient}: a token bucket of {@code perSecond} permits per second with
 * bursts up to {@code perSecond}. Immutable and thread-safe.
 *
 * @param enabled whether calls per host are rate limited
 * @param perSecond calls per second per host ({@code rate-limit})
 * @param maxWait longest time a caller waits for a permit before {@link RateLimitedException}
 *     ({@code rate-limit-wait})
 */
public record RateLimitConfig(boolean enabled, int perSecond, Duration maxWait) {
    /** Default rate limit per host, calls per second. */
    public static final int DEFAULT_PER_SECOND = 100;
    /** Default longest wait for a permit. */
    public static final Duration DEFAULT_MAX_WAIT = Duration.ofSeconds(5);

    /**
     * Checks every value.
     *
     * @throws InvalidConfigException naming the first bad setting
     */
    public RateLimitConfig {
        Checks.between(of("rate-limit"), perSecond, 1, 10_000_000);
        Checks.atLeast(of("rate-limit-wait"), maxWait, Duration.ZERO);
    }

    /**
     * Returns the defaults.
     *
     * @return an enabled limit of 100 calls per second per host, waiting up to 5 s for a permit
     */
    public static RateLimitConfig defaults() {
        return new RateLimitConfig(true, DEFAULT_PER_SECOND, DEFAULT_MAX_WAIT);
    }

    /**
     * A copy turned on or off.
     *
     * @param value whether calls are rate limited
     * @return the changed copy
     */
    public RateLimitConfig withEnabled(boolean value) {
        return new RateLimitConfig(value, perSecond, maxWait);
    }

    /**
     * A copy with another rate.
     *
     * @param value calls per second per host
     * @return the changed copy
     */
    public RateLimitConfig withPerSecond(int value) {
        return new RateLimitConfig(enabled, value, maxWait);
    }

    /**
     * A copy with another wait.
     *
     * @param value longest wait for a permit
     * @return the changed copy
     */
    public RateLimitConfig withMaxWait(Duration value) {
        return new RateLimitConfig(enabled, perSecond, value);
    }
}
