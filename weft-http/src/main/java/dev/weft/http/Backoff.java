package dev.weft.http;

import java.time.Duration;
import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;

/**
 * Exponential backoff with full jitter (a delay drawn uniformly between zero and the cap, the cap growing by the
 * factor per retry), which spreads a crowd of retrying clients instead of synchronising them. A server's
 * {@code Retry-After} replaces the draw, capped by {@code maxDelay}. Thread-safe if the random generator is.
 */
record Backoff(Duration base, double factor, Duration maxDelay, RandomGenerator random) {

    /**
     * The delay before a retry.
     *
     * @param retry 1 for the first retry
     * @param retryAfter the server's Retry-After, or {@code null}
     * @return the delay
     */
    Duration delay(int retry, @Nullable Duration retryAfter) {
        long maxNanos = maxDelay.toNanos();
        if (retryAfter != null) {
            return Duration.ofNanos(Math.min(Math.max(0, retryAfter.toNanos()), maxNanos));
        }
        double cap = Math.min((double) maxNanos, base.toNanos() * Math.pow(factor, retry - 1));
        long capNanos = (long) cap;
        return capNanos <= 0 ? Duration.ZERO : Duration.ofNanos(random.nextLong(capNanos + 1));
    }
}
