package dev.weft.core.ratelimit;

import java.time.Duration;
import java.util.Objects;

/**
 * What a bucket answered.
 *
 * @param allowed whether a permit was taken
 * @param retryAfter when refused, how long until a permit is expected back (positive); {@link Duration#ZERO} when
 *     allowed
 * @param mode where the bucket that decided lives
 */
public record RateDecision(boolean allowed, Duration retryAfter, BucketMode mode) {
    /** Checks that a refusal says when to come back. */
    public RateDecision {
        Objects.requireNonNull(retryAfter, "retryAfter");
        Objects.requireNonNull(mode, "mode");
        if (allowed != retryAfter.isZero() || retryAfter.isNegative()) {
            throw new IllegalArgumentException("an allowed decision waits 0, a refused one a positive time: "
                    + allowed + ", " + retryAfter);
        }
    }

    /**
     * @param waitNanos 0 if a permit was taken, else the nanoseconds until one is expected
     * @param mode where the bucket lives
     * @return the decision
     */
    static RateDecision of(long waitNanos, BucketMode mode) {
        return waitNanos <= 0 ? new RateDecision(true, Duration.ZERO, mode)
                : new RateDecision(false, Duration.ofNanos(waitNanos), mode);
    }

    /** @return for a {@code Retry-After} header: the whole seconds until a permit is back, at least 1; 0 if allowed */
    public long retryAfterSeconds() {
        if (allowed) {
            return 0;
        }
        long nanos = retryAfter.toNanos();
        return Math.max(1, (nanos + 999_999_999L) / 1_000_000_000L);
    }
}
