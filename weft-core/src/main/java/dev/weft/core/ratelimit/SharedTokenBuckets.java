package dev.weft.core.ratelimit;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Buckets in a shared {@link BucketStore}, with the one degraded policy of {@link TokenBuckets#shared}: local buckets
 * at the same rate while the store fails or is not ready; after a failure the store is skipped for
 * {@link TokenBuckets#STORE_RETRY_INTERVAL}, then probed by one caller at a time until a call succeeds.
 *
 * <p>Why local buckets rather than letting calls through (fail open): a limit per instance still protects what the
 * limit is for while the store is down (an upstream's quota, the service under a flood), and it never refuses a call
 * the shared bucket would have admitted in a cluster of one. Failing open removes the protection exactly when the
 * system is already degraded.
 *
 * <p>Thread-safe; logs through {@link System.Logger} (weft-core has no logging dependency).
 */
final class SharedTokenBuckets implements TokenBuckets {
    private static final System.Logger LOG = System.getLogger(TokenBuckets.class.getName());
    /** Log one failure in this many, so a long outage does not flood the log. */
    private static final long LOG_EVERY_FAILURES = 1000;

    private final String name;
    private final RateLimit limit;
    private final BucketStore store;
    private final LocalTokenBuckets fallback;
    private final LongSupplier nanoTime;
    /** After a failed store call, callers use the local buckets until this moment (nanoTime). */
    private volatile long skipStoreUntilNanos;
    /** The last store call failed: the store is tried again by one caller at a time until one succeeds. */
    private volatile boolean degraded;
    private final AtomicBoolean probing = new AtomicBoolean();
    private final AtomicLong failures = new AtomicLong();

    SharedTokenBuckets(String name, RateLimit limit, BucketStore store, LongSupplier nanoTime) {
        this.name = name;
        this.limit = limit;
        this.store = store;
        this.fallback = new LocalTokenBuckets(limit, nanoTime);
        this.nanoTime = nanoTime;
    }

    @Override
    public RateDecision tryAcquire(String key) {
        boolean tryStore = false;
        boolean probe = false;
        if (store.ready()) {
            if (!degraded) {
                tryStore = true;
            } else if (nanoTime.getAsLong() - skipStoreUntilNanos >= 0 && probing.compareAndSet(false, true)) {
                tryStore = true;
                probe = true; // the one caller that finds out whether the store answers again
            }
        }
        if (tryStore) {
            try {
                long wait = store.tryConsume(key, limit);
                if (degraded) {
                    degraded = false;
                    LOG.log(System.Logger.Level.INFO, "rate limiter ''{0}'' reached its store; the limit is shared again",
                            name);
                }
                return RateDecision.of(wait, BucketMode.SHARED);
            } catch (RuntimeException e) {
                // a hung store would cost every caller its timeout: skip it for a while
                skipStoreUntilNanos = nanoTime.getAsLong() + STORE_RETRY_INTERVAL.toNanos();
                degraded = true;
                if (failures.getAndIncrement() % LOG_EVERY_FAILURES == 0) {
                    LOG.log(System.Logger.Level.WARNING, "rate limiter ''{0}'' cannot reach its store ({1}); limiting"
                            + " per instance at the same rate until it can", name, e.getClass().getSimpleName());
                }
            } finally {
                if (probe) {
                    probing.set(false);
                }
            }
        }
        return RateDecision.of(fallback.take(key), BucketMode.FALLBACK);
    }

    @Override
    public RateLimit limit() {
        return limit;
    }

    @Override
    public BucketMode mode() {
        return store.ready() && !degraded ? BucketMode.SHARED : BucketMode.FALLBACK;
    }

    @Override
    public long storeFailures() {
        return failures.get();
    }
}
