package dev.weft.db;

import java.util.List;

/** The latency figures the outage tests report and judge. */
final class Percentiles {
    private Percentiles() {
    }

    /**
     * @param sortedNanos durations in nanoseconds, ascending
     * @param quantile e.g. 0.99
     * @return the nearest-rank percentile in milliseconds, 0 if there are none
     */
    static double percentileMs(List<Long> sortedNanos, double quantile) {
        if (sortedNanos.isEmpty()) {
            return 0;
        }
        int index = (int) Math.ceil(quantile * sortedNanos.size()) - 1;
        return sortedNanos.get(Math.max(0, Math.min(index, sortedNanos.size() - 1))) / 1e6;
    }
}
