package dev.weft.core.ratelimit;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;

/**
 * Token buckets in this process, one per key, made on first use. A bucket untouched for a whole period is full
 * again, exactly like a new one, so such buckets are dropped once there are many keys: memory follows the keys active
 * within a period, and dropping changes no decision. Thread-safe: each bucket is a short {@code synchronized}
 * section with no I/O.
 */
final class LocalTokenBuckets implements TokenBuckets {
    /** Above this many keys, each new key first drops the buckets idle for a period. */
    static final int SWEEP_ABOVE_KEYS = 100_000;

    /** One key's bucket. */
    private static final class Bucket {
        private final RateLimit limit;
        private final long periodNanos;
        /** Permits now; fractional while a GREEDY bucket refills. */
        private double tokens;
        /** GREEDY: when tokens were last brought up to date; INTERVALLY: when the current period began. */
        private long markNanos;
        private volatile long lastUseNanos;

        Bucket(RateLimit limit, long now) {
            this.limit = limit;
            this.periodNanos = limit.period().toNanos();
            this.tokens = limit.permits();
            this.markNanos = now;
            this.lastUseNanos = now;
        }

        /** @return 0 if a permit was taken, else the nanoseconds until one is expected */
        synchronized long tryTake(long now) {
            lastUseNanos = now;
            refill(now);
            if (tokens >= 1) {
                tokens -= 1;
                return 0;
            }
            return switch (limit.refill()) {
                case INTERVALLY -> Math.max(1, markNanos + periodNanos - now);
                case GREEDY -> Math.max(1, (long) Math.ceil((1 - tokens) * periodNanos / limit.permits()));
            };
        }

        private void refill(long now) {
            long elapsed = now - markNanos;
            if (elapsed <= 0) {
                return;
            }
            switch (limit.refill()) {
                case INTERVALLY -> {
                    long periods = elapsed / periodNanos;
                    if (periods > 0) {
                        tokens = Math.min(limit.permits(), tokens + (double) periods * limit.permits());
                        markNanos += periods * periodNanos;
                    }
                }
                case GREEDY -> {
                    tokens = Math.min(limit.permits(), tokens + (double) elapsed * limit.permits() / periodNanos);
                    markNanos = now;
                }
            }
        }

        boolean idleSince(long now) {
            return now - lastUseNanos >= periodNanos;
        }
    }

    private final RateLimit limit;
    private final LongSupplier nanoTime;
    private final ConcurrentHashMap<String, Bucket> buckets = new ConcurrentHashMap<>();
    private final AtomicBoolean sweeping = new AtomicBoolean();

    LocalTokenBuckets(RateLimit limit, LongSupplier nanoTime) {
        this.limit = limit;
        this.nanoTime = nanoTime;
    }

    @Override
    public RateDecision tryAcquire(String key) {
        return RateDecision.of(take(key), BucketMode.LOCAL);
    }

    /** @return 0 if a permit was taken, else the nanoseconds until one is expected */
    long take(String key) {
        long now = nanoTime.getAsLong();
        Bucket bucket = buckets.get(key);
        if (bucket == null) {
            if (buckets.size() >= SWEEP_ABOVE_KEYS) {
                sweep(now);
            }
            bucket = buckets.computeIfAbsent(key, unused -> new Bucket(limit, now));
        }
        return bucket.tryTake(now);
    }

    /** Drops the buckets idle for a period (full again, so nothing is lost); one sweeper at a time. */
    private void sweep(long now) {
        if (sweeping.compareAndSet(false, true)) {
            try {
                buckets.values().removeIf(bucket -> bucket.idleSince(now));
            } finally {
                sweeping.set(false);
            }
        }
    }

    /** @return how many buckets are kept now */
    int size() {
        return buckets.size();
    }

    @Override
    public RateLimit limit() {
        return limit;
    }

    @Override
    public BucketMode mode() {
        return BucketMode.LOCAL;
    }

    @Override
    public long storeFailures() {
        return 0;
    }
}
