package dev.weft.service.ops;

import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.CountAtBucket;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * The fixed latency buckets of {@code http.server.requests}, read from a timer's snapshot, and percentiles read off
 * them the way Prometheus's {@code histogram_quantile} reads them off {@code /metrics}: the dashboard and a Grafana
 * panel over the same meters agree.
 */
final class LatencyBuckets {
    private LatencyBuckets() {
    }

    /**
     * @param timer an {@code http.server.requests} timer
     * @return its count, then its requests per bucket (cumulative over time, not across buckets), the last entry
     *     counting requests above the highest bound
     */
    static long[] read(Timer timer) {
        CountAtBucket[] cumulative = timer.takeSnapshot().histogramCounts();
        long count = timer.count();
        long[] out = new long[cumulative.length + 2];
        out[0] = count;
        double below = 0;
        for (int i = 0; i < cumulative.length; i++) {
            // Micrometer's Prometheus histograms count cumulatively across buckets, as `le` does
            out[i + 1] = Math.round(cumulative[i].count() - below);
            below = cumulative[i].count();
        }
        out[out.length - 1] = Math.max(0, count - Math.round(below));
        return out;
    }

    /**
     * @param bounds the buckets' upper bounds
     * @return the bounds in milliseconds, from a timer's snapshot
     */
    static double[] boundsMillis(CountAtBucket[] bounds) {
        double[] out = new double[bounds.length];
        for (int i = 0; i < bounds.length; i++) {
            out[i] = bounds[i].bucket(TimeUnit.MILLISECONDS);
        }
        return out;
    }

    /**
     * Reads a percentile off latency buckets as Prometheus's {@code histogram_quantile} does: linear within the
     * bucket that holds it; above the highest bound it answers that bound.
     *
     * @param buckets requests per bucket (not cumulative), the last above every bound
     * @param boundsMillis the buckets' upper bounds
     * @param quantile 0..1
     * @return the latency in milliseconds, or {@code null} without requests
     */
    static @Nullable Double percentile(long[] buckets, double[] boundsMillis, double quantile) {
        long total = 0;
        for (long count : buckets) {
            total += count;
        }
        if (total == 0 || boundsMillis.length == 0) {
            return null;
        }
        double rank = quantile * total;
        long seen = 0;
        for (int i = 0; i < buckets.length; i++) {
            if (buckets[i] > 0 && seen + buckets[i] >= rank) {
                if (i >= boundsMillis.length) {
                    return boundsMillis[boundsMillis.length - 1];
                }
                double lower = i == 0 ? 0 : boundsMillis[i - 1];
                double share = (rank - seen) / buckets[i];
                return Math.round((lower + (boundsMillis[i] - lower) * share) * 100) / 100.0;
            }
            seen += buckets[i];
        }
        return boundsMillis[boundsMillis.length - 1];
    }
}
