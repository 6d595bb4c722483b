package dev.weft.core;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;

/**
 * Exponential backoff with full jitter, the one backoff every weft module uses (database retries, HTTP retries,
 * job steps). The wait before retry {@code n} is drawn uniformly from {@code [0, bound(n)]}, where
 * {@code bound(n) = min(maxDelay, initialDelay * multiplier^(n-1))}: a crowd of clients that failed together
 * spreads out instead of retrying in step (the AWS Architecture Blog's "full jitter"). A server's
 * {@code Retry-After} replaces the draw, capped by {@code maxDelay}.
 *
 * <p>Immutable and thread-safe.
 *
 * @param initialDelay the bound of the first wait
 * @param multiplier how much the bound grows per retry, at least 1
 * @param maxDelay the largest bound, at least {@code initialDelay}
 */
public record Backoff(Duration initialDelay, double multiplier, Duration maxDelay) {

    /** Validates the parts; modules check their own setting names first, so these messages are a last resort. */
    public Backoff {
        Checks.atLeast("backoff.initial-delay", initialDelay, Duration.ZERO);
        Checks.between("backoff.multiplier", multiplier, 1.0, 100.0);
        Checks.atLeast("backoff.max-delay", maxDelay, initialDelay);
    }

    /**
     * @param initialDelay the bound of the first wait
     * @param maxDelay the largest bound
     * @return a backoff whose bound doubles per retry
     */
    public static Backoff exponential(Duration initialDelay, Duration maxDelay) {
        return new Backoff(initialDelay, 2.0, maxDelay);
    }

    /**
     * The upper bound of the wait before a retry.
     *
     * @param retry 1 for the first retry
     * @return the bound, at most {@link #maxDelay()}
     */
    public Duration bound(int retry) {
        double nanos = initialDelay.toNanos() * Math.pow(multiplier, Math.max(0, retry - 1));
        return nanos >= maxDelay.toNanos() ? maxDelay : Duration.ofNanos((long) nanos);
    }

    /**
     * @param retry 1 for the first retry
     * @return a wait drawn from {@code [0, bound(retry)]}
     */
    public Duration delay(int retry) {
        return delay(retry, null, ThreadLocalRandom.current());
    }

    /**
     * The wait before a retry.
     *
     * @param retry 1 for the first retry
     * @param retryAfter the server's hint ({@code Retry-After}), or {@code null}: it replaces the draw, capped by
     *     {@link #maxDelay()}
     * @param random where the jitter comes from (tests pass a seeded one)
     * @return the wait
     */
    public Duration delay(int retry, @Nullable Duration retryAfter, RandomGenerator random) {
        Objects.requireNonNull(random, "random");
        long maxNanos = maxDelay.toNanos();
        if (retryAfter != null) {
            return Duration.ofNanos(Math.min(Math.max(0, retryAfter.toNanos()), maxNanos));
        }
        long boundNanos = bound(retry).toNanos();
        return boundNanos <= 0 ? Duration.ZERO : Duration.ofNanos(random.nextLong(boundNanos + 1));
    }
}
