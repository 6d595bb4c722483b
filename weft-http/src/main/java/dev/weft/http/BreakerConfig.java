package dev.weft.http;

import static dev.weft.http.SettingNames.of;

import dev.weft.core.Checks;
import dev.weft.core.InvalidConfigException;
import java.time.Duration;

/**
 * The circuit breaker that guards each host of an {@link ApiClient}. Immutable and thread-safe.
 *
 * @param enabled whether a breaker guards each host
 * @param threshold calls the breaker needs to see in its window before it may open, its minimum calls
 *     ({@code breaker-threshold})
 * @param window the sliding time window: failure and slow-call rates are over the calls of this last stretch of
 *     time, whole seconds from 1 s to 1 h ({@code breaker-window})
 * @param failureRate failure share (percent) of the window that opens the breaker ({@code breaker-failure-rate})
 * @param slowCall duration above which a call counts as slow ({@code breaker-slow-call})
 * @param slowCallRate slow share (percent) of the window that opens the breaker ({@code breaker-slow-call-rate})
 * @param openTime time the breaker stays open before it lets probes through ({@code breaker-open-time})
 * @param countsStatuses whether a 5xx answer counts as a failure (the default); {@code false} counts only attempts
 *     that got no answer (connection failures, timeouts), for a client whose hosts serve many independent parties,
 *     where one party's URL answering 500 says nothing about the host (set in code only)
 */
public record BreakerConfig(boolean enabled, int threshold, Duration window, int failureRate, Duration slowCall,
        int slowCallRate, Duration openTime, boolean countsStatuses) {
    /**
     * Default threshold: calls in the window before the breaker may open. 20, not the guides' 5: with 5, a provider
     * failing 30% of calls opens the breaker one window in six by chance alone (3 of 5), and a job pipeline then
     * stalls on a provider that mostly works. 20 calls at a 50% rate open it by chance about once in 20 windows at
     * 30% faults, and at once on an outage (every call fails).
     */
    public static final int DEFAULT_THRESHOLD = 20;
    /** Default window: the last 10 seconds of calls, so old failures age out even when traffic is low. */
    public static final Duration DEFAULT_WINDOW = Duration.ofSeconds(10);
    /** The guides' threshold ({@code circuit_breaker_threshold: 5}), see {@link #guides()}. */
    public static final int GUIDES_THRESHOLD = 5;
    /** The guides' open time ({@code circuit_breaker_timeout: 60}), see {@link #guides()}. */
    public static final Duration GUIDES_OPEN_TIME = Duration.ofSeconds(60);
    /** Default failure rate, in percent, that opens the breaker. */
    public static final int DEFAULT_FAILURE_RATE = 50;
    /** Default slow-call duration. */
    public static final Duration DEFAULT_SLOW_CALL = Duration.ofSeconds(10);
    /** Default slow-call rate, in percent, that opens the breaker: most calls slow means the upstream is sick. */
    public static final int DEFAULT_SLOW_CALL_RATE = 80;
    /**
     * Default open time: 5 s, not the guides' 60 s. Half-open probes (3 calls) test the upstream after it, so a
     * recovered upstream is used again within seconds, and a still-broken one costs 3 calls per 5 s.
     */
    public static final Duration DEFAULT_OPEN_TIME = Duration.ofSeconds(5);

    /**
     * Checks every value.
     *
     * @throws InvalidConfigException naming the first bad setting
     */
    public BreakerConfig {
        Checks.between(of("breaker-threshold"), threshold, 1, 10_000);
        Checks.atLeast(of("breaker-window"), window, Duration.ofSeconds(1));
        if (window.toMillis() % 1000 != 0 || window.compareTo(Duration.ofHours(1)) > 0) {
            throw new InvalidConfigException(of("breaker-window"), window, "must be whole seconds, 1 s..1 h");
        }
        Checks.between(of("breaker-failure-rate"), failureRate, 1, 100);
        Checks.atLeast(of("breaker-slow-call"), slowCall, Duration.ofMillis(1));
        Checks.between(of("breaker-slow-call-rate"), slowCallRate, 1, 100);
        Checks.atLeast(of("breaker-open-time"), openTime, Duration.ofMillis(1));
    }

    /**
     * A breaker that counts 5xx answers as failures, as before {@code countsStatuses} existed.
     *
     * @param enabled whether a breaker guards each host
     * @param threshold minimum calls in the window
     * @param window the sliding time window
     * @param failureRate failure percentage that opens the breaker
     * @param slowCall duration above which a call is slow
     * @param slowCallRate slow-call percentage that opens the breaker
     * @param openTime time the breaker stays open
     * @throws InvalidConfigException naming the first bad setting
     */
    public BreakerConfig(boolean enabled, int threshold, Duration window, int failureRate, Duration slowCall,
            int slowCallRate, Duration openTime) {
        this(enabled, threshold, window, failureRate, slowCall, slowCallRate, openTime, true);
    }

    /**
     * Returns the defaults.
     *
     * @return an enabled breaker: 20 calls in 10 s at 50 % failures (or 80 % over 10 s), open for 5 s
     */
    public static BreakerConfig defaults() {
        return new BreakerConfig(true, DEFAULT_THRESHOLD, DEFAULT_WINDOW, DEFAULT_FAILURE_RATE, DEFAULT_SLOW_CALL,
                DEFAULT_SLOW_CALL_RATE, DEFAULT_OPEN_TIME);
    }

    /**
     * The guides' breaker ({@code circuit_breaker_threshold: 5}, {@code circuit_breaker_timeout: 60}), the preset
     * {@code BREAKER_PRESET=guides}: opens after 5 calls, stays open 60 s. Fit for an interactive caller that would
     * rather fail fast; a job pipeline stalls on it (see {@link #DEFAULT_THRESHOLD}).
     *
     * @return this breaker with the guides' threshold and open time
     */
    public BreakerConfig guides() {
        return new BreakerConfig(enabled, GUIDES_THRESHOLD, window, failureRate, slowCall, slowCallRate,
                GUIDES_OPEN_TIME, countsStatuses);
    }

    /**
     * A copy turned on or off.
     *
     * @param value whether the breaker guards each host
     * @return the changed copy
     */
    public BreakerConfig withEnabled(boolean value) {
        return new BreakerConfig(value, threshold, window, failureRate, slowCall, slowCallRate, openTime, countsStatuses);
    }

    /**
     * A copy with another threshold.
     *
     * @param value calls seen before the breaker may open
     * @return the changed copy
     */
    public BreakerConfig withThreshold(int value) {
        return new BreakerConfig(enabled, value, window, failureRate, slowCall, slowCallRate, openTime, countsStatuses);
    }

    /**
     * A copy with another window.
     *
     * @param value the window, whole seconds
     * @return the changed copy
     */
    public BreakerConfig withWindow(Duration value) {
        return new BreakerConfig(enabled, threshold, value, failureRate, slowCall, slowCallRate, openTime, countsStatuses);
    }

    /**
     * A copy with another failure rate.
     *
     * @param value failure percentage that opens the breaker
     * @return the changed copy
     */
    public BreakerConfig withFailureRate(int value) {
        return new BreakerConfig(enabled, threshold, window, value, slowCall, slowCallRate, openTime, countsStatuses);
    }

    /**
     * A copy with other slow-call rules.
     *
     * @param duration duration above which a call is slow
     * @param rate slow-call percentage that opens the breaker
     * @return the changed copy
     */
    public BreakerConfig withSlowCalls(Duration duration, int rate) {
        return new BreakerConfig(enabled, threshold, window, failureRate, duration, rate, openTime, countsStatuses);
    }

    /**
     * A copy with another open time.
     *
     * @param value time the breaker stays open
     * @return the changed copy
     */
    public BreakerConfig withOpenTime(Duration value) {
        return new BreakerConfig(enabled, threshold, window, failureRate, slowCall, slowCallRate, value, countsStatuses);
    }

    /**
     * A copy that does or does not count 5xx answers as failures.
     *
     * @param value {@code false} to count only attempts that got no answer
     * @return the changed copy
     */
    public BreakerConfig withCountsStatuses(boolean value) {
        return new BreakerConfig(enabled, threshold, window, failureRate, slowCall, slowCallRate, openTime, value);
    }
}
