package dev.weft.service.ops;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The arithmetic behind the dashboard's figures, and what it keeps out of a job's error. */
class DashboardSamplerTest {
    private static final double[] BOUNDS = {1, 2, 5, 10};

    @Test
    void readsPercentilesOffBucketsAsHistogramQuantileDoes() {
        long[] buckets = {0, 10, 0, 0, 0}; // ten requests between 1 and 2 ms

        assertThat(DashboardSampler.percentile(buckets, BOUNDS, 0.5)).isEqualTo(1.5);
        assertThat(DashboardSampler.percentile(buckets, BOUNDS, 0.99)).isEqualTo(1.99);
    }

    @Test
    void answersTheHighestBoundForRequestsAboveIt() {
        long[] buckets = {1, 0, 0, 0, 99};

        assertThat(DashboardSampler.percentile(buckets, BOUNDS, 0.99)).isEqualTo(10.0);
    }

    @Test
    void hasNoPercentileWithoutRequests() {
        assertThat(DashboardSampler.percentile(new long[5], BOUNDS, 0.5)).isNull();
    }

    @Test
    void keepsUrlsAddressesAndLineBreaksOutOfJobErrors() {
        String shown = DashboardModule.sanitise("upstream: GET http://10.0.0.7:9000/jobs/1?token=abc failed\n"
                + "at 192.168.1.20:5432 and [::1]:8080");

        assertThat(shown).isEqualTo("upstream: GET [url] failed at [address] and [address]");
        assertThat(DashboardModule.sanitise(null)).isEqualTo("failed");
        assertThat(DashboardModule.sanitise("x".repeat(500))).hasSize(200);
    }
}
