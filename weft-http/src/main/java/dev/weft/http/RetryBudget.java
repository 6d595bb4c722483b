package dev.weft.http;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.LongSupplier;

/**
 * Caps retries to a host at a share of its calls over a sliding window of ten one-second buckets, plus a floor of
 * retries per second so that a quiet client can still retry (the retry budgets of Finagle and gRPC). Without it, N
 * clients retrying three times turn an outage into 4N times the load. Thread-safe: counting a call is lock-free
 * (it happens on every call); taking a retry is serialised so concurrent retries cannot overshoot the budget.
 */
final class RetryBudget {
    static final int WINDOW_SECONDS = 10;
    private static final long BUCKET_NANOS = 1_000_000_000L;

    private final double ratio;
    private final int floorPerSecond;
    private final LongSupplier nanoTime;
    private final AtomicLongArray calls = new AtomicLongArray(WINDOW_SECONDS);
    private final AtomicLongArray retries = new AtomicLongArray(WINDOW_SECONDS);
    private final AtomicLongArray bucketSecond = new AtomicLongArray(WINDOW_SECONDS);
    private final AtomicLong refused = new AtomicLong();

    RetryBudget(double ratio, int floorPerSecond, LongSupplier nanoTime) {
        this.ratio = ratio;
        this.floorPerSecond = floorPerSecond;
        this.nanoTime = nanoTime;
        for (int i = 0; i < WINDOW_SECONDS; i++) {
            bucketSecond.set(i, Long.MIN_VALUE);
        }
    }

    /** Counts a first attempt. */
    void recordCall() {
        calls.incrementAndGet(bucket());
    }

    /**
     * Takes one retry from the budget if the window allows it.
     *
     * @return whether the retry may be sent
     */
    synchronized boolean tryRetry() {
        int current = bucket();
        long callSum = 0;
        long retrySum = 0;
        for (int i = 0; i < WINDOW_SECONDS; i++) {
            callSum += calls.get(i);
            retrySum += retries.get(i);
        }
        if (retrySum + 1 <= ratio * callSum + (double) floorPerSecond * WINDOW_SECONDS) {
            retries.incrementAndGet(current);
            return true;
        }
        refused.incrementAndGet();
        return false;
    }

    /**
     * Returns retries refused since the client started.
     *
     * @return retries refused since the client started
     */
    long refused() {
        return refused.get();
    }

    /** The index of the current second's bucket, clearing buckets that slid out of the window. */
    private int bucket() {
        long second = Math.floorDiv(nanoTime.getAsLong(), BUCKET_NANOS);
        int index = (int) Math.floorMod(second, (long) WINDOW_SECONDS);
        if (bucketSecond.get(index) != second) {
            roll(index, second);
        }
        return index;
    }

    /**
     * Moves a bucket to a new second: cleared first, then stamped, under the lock {@link #tryRetry()} holds, so no
     * count lands in it before the clear. (A retry counted between a stamp and its clear was wiped, and the budget
     * then let one retry more through than it allows.) Once a second per bucket, so the calls' path stays lock-free.
     */
    private synchronized void roll(int index, long second) {
        if (bucketSecond.get(index) != second) {
            calls.set(index, 0);
            retries.set(index, 0);
            bucketSecond.set(index, second);
        }
    }
}
