package dev.weft.core.ratelimit;

import dev.weft.core.Checks;
import dev.weft.core.InvalidConfigException;
import java.time.Duration;
import java.util.Objects;

/**
 * How much a bucket admits: {@code permits} per {@code period}, with bursts up to {@code permits}.
 *
 * @param permits the bucket's capacity and how many permits one period adds; at least 1
 * @param period the refill period; at least 1 ms
 * @param refill how the permits come back
 */
public record RateLimit(int permits, Duration period, Refill refill) {
    /** How a bucket refills. */
    public enum Refill {
        /**
         * Continuously, one permit every {@code period / permits}. Smooth, but a fresh bucket admits up to twice
         * {@code permits} in its first period (the full bucket plus a period of refill).
         */
        GREEDY,
        /**
         * All {@code permits} at once at the end of each period, the periods counted from the bucket's first use:
         * a key never gets more than {@code permits} in one period (Resilience4j's rate limiter counts the same way).
         */
        INTERVALLY
    }

    /** Validates every field. */
    public RateLimit {
        if (permits < 1) {
            throw new InvalidConfigException("weft.ratelimit.permits", permits, "must be >= 1");
        }
        Checks.atLeast("weft.ratelimit.period", period, Duration.ofMillis(1));
        Objects.requireNonNull(refill, "refill");
    }

    /**
     * @param permits permits per second per key
     * @return a limit refilled whole once a second ({@link Refill#INTERVALLY}): never more than {@code permits} in a
     *     second
     */
    public static RateLimit perSecond(int permits) {
        return new RateLimit(permits, Duration.ofSeconds(1), Refill.INTERVALLY);
    }

    /**
     * @param permits permits per second per key
     * @return a limit refilled continuously ({@link Refill#GREEDY}): smooth, bursts up to {@code permits}
     */
    public static RateLimit smoothPerSecond(int permits) {
        return new RateLimit(permits, Duration.ofSeconds(1), Refill.GREEDY);
    }
}
