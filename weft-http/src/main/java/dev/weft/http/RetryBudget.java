package dev.weft.http;

import java.util.function.LongSupplier;

/**
 * Caps retries to a host at a share of its calls over a sliding window of ten one-second buckets, plus a floor of
 * retries per second so that a quiet client can still retry (the retry budgets of Finagle and gRPC). Without it, N
 * clients retrying three times turn an outage into 4N times the load. Thread-safe; the lock is held for a few
 * array operations only.
 */
final class RetryBudget {
    static final int WINDOW_SECONDS = 10;
    private static final long BUCKET_NANOS = 1_000_000_000L;

    private final double ratio;
    private final int floorPerSecond;
    private final LongSupplier nanoTime;
    private final long[] calls = new long[WINDOW_SECONDS];
    private final long[] retries = new long[WINDOW_SECONDS];
    private final long[] bucketSecond = new long[WINDOW_SECONDS];
    private long refused;

    RetryBudget(double ratio, int floorPerSecond, LongSupplier nanoTime) {
        this.ratio = ratio;
        this.floorPerSecond = floorPerSecond;
        this.nanoTime = nanoTime;
        java.util.Arrays.fill(bucketSecond, Long.MIN_VALUE);
    }

    /** Counts a first attempt. */
    synchronized void recordCall() {
        calls[bucket()]++;
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
            callSum += calls[i];
            retrySum += retries[i];
        }
        if (retrySum + 1 <= ratio * callSum + (double) floorPerSecond * WINDOW_SECONDS) {
            retries[current]++;
            return true;
        }
        refused++;
        return false;
    }

    /** @return retries refused since the client started */
    synchronized long refused() {
        return refused;
    }

    /** The index of the current second's bucket, clearing buckets that slid out of the window. */
    private int bucket() {
        long second = Math.floorDiv(nanoTime.getAsLong(), BUCKET_NANOS);
        int index = (int) Math.floorMod(second, (long) WINDOW_SECONDS);
        if (bucketSecond[index] != second) {
            bucketSecond[index] = second;
            calls[index] = 0;
            retries[index] = 0;
        }
        return index;
    }
}
