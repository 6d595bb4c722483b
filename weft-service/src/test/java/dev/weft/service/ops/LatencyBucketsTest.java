package dev.weft.service.ops;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Percentiles off latency buckets, as Prometheus's {@code histogram_quantile} reads them. */
class LatencyBucketsTest {
    private static final double[] BOUNDS = {1, 2, 5, 10};

    @Test
    void readsPercentilesOffBucketsAsHistogramQuantileDoes() {
        long[] buckets = {0, 10, 0, 0, 0}; // ten requests between 1 and 2 ms

        assertThat(LatencyBuckets.percentile(buckets, BOUNDS, 0.5)).isEqualTo(1.5);
        assertThat(LatencyBuckets.percentile(buckets, BOUNDS, 0.99)).isEqualTo(1.99);
    }

    @Test
    void answersTheHighestBoundForRequestsAboveIt() {
        long[] buckets = {1, 0, 0, 0, 99};

        assertThat(LatencyBuckets.percentile(buckets, BOUNDS, 0.99)).isEqualTo(10.0);
    }

    @Test
    void hasNoPercentileWithoutRequests() {
        assertThat(LatencyBuckets.percentile(new long[5], BOUNDS, 0.5)).isNull();
    }
}
