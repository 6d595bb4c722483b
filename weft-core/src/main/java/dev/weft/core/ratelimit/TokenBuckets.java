package dev.weft.core.ratelimit;

import java.time.Duration;
import java.util.Objects;

/**
 * Token buckets per key, all with one {@link RateLimit}: the one rate limiter of weft (weft-http's per-host limit,
 * weft-service's per-caller limit).
 *
 * <pre>{@code
 * TokenBuckets buckets = TokenBuckets.shared("api", RateLimit.perSecond(100), redisLink.bucketStore("weft:"));
 * RateDecision decision = buckets.tryAcquire("user:42");
 * if (!decision.allowed()) respond429(decision.retryAfterSeconds());
 * }</pre>
 *
 * <p>{@link #local} keeps the buckets in this process. {@link #shared} keeps them in a {@link BucketStore} that every
 * instance uses, with one degraded policy: while the store fails or cannot be reached, each instance limits with
 * buckets of its own at the same rate (so a store outage is neither an API outage nor the end of the limit); after a
 * failed call the store is skipped for a second, then one caller at a time tries it until one succeeds, so a hung
 * store costs one call a second its timeout, not every call. Each {@link RateDecision} says where it was decided.
 *
 * <p>Thread-safe. {@link #tryAcquire} blocks for at most the store's command timeout.
 */
public interface TokenBuckets {
    /** How long a shared limiter skips its store after a failed call before one caller probes it again. */
    Duration STORE_RETRY_INTERVAL = Duration.ofSeconds(1);

    /**
     * Takes one permit from the bucket of {@code key} if it has one; never waits.
     *
     * @param key the bucket's key: the caller's scope (e.g. {@code user:42}, a host), never a secret
     * @return whether the permit was taken and, if not, when to retry
     */
    RateDecision tryAcquire(String key);

    /**
     * Takes one permit, waiting for it up to {@code maxWait} when the bucket says one comes back in time. If the
     * thread is interrupted while waiting, returns the refusal at once with the interrupt flag set.
     *
     * @param key the bucket's key
     * @param maxWait the longest to wait; {@link Duration#ZERO} is {@link #tryAcquire}
     * @return the last decision: allowed, or refused with when to retry
     */
    default RateDecision acquire(String key, Duration maxWait) {
        Objects.requireNonNull(maxWait, "maxWait");
        long deadline = System.nanoTime() + maxWait.toNanos();
        while (true) {
            RateDecision decision = tryAcquire(key);
            long left = deadline - System.nanoTime();
            if (decision.allowed() || decision.retryAfter().toNanos() > left) {
                return decision;
            }
            try {
                Thread.sleep(decision.retryAfter());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return decision;
            }
        }
    }

    /** @return the limit of every bucket */
    RateLimit limit();

    /** @return where the next call's bucket would be: local, shared, or the fallback while the store fails */
    BucketMode mode();

    /** @return how many calls to the shared store failed (0 for local buckets) */
    long storeFailures();

    /**
     * @param limit the limit of every bucket
     * @return buckets in this process
     */
    static TokenBuckets local(RateLimit limit) {
        return new LocalTokenBuckets(Objects.requireNonNull(limit, "limit"), System::nanoTime);
    }

    /**
     * @param name the limiter's name, in its log lines
     * @param limit the limit of every bucket
     * @param store where the shared buckets live
     * @return buckets in {@code store}, shared by every instance that uses it, with local buckets while it fails
     */
    static TokenBuckets shared(String name, RateLimit limit, BucketStore store) {
        return new SharedTokenBuckets(Objects.requireNonNull(name, "name"), Objects.requireNonNull(limit, "limit"),
                Objects.requireNonNull(store, "store"), System::nanoTime);
    }
}
