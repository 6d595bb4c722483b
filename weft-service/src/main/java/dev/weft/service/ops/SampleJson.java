package dev.weft.service.ops;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Writes the dashboard's samples as JSON by hand: one sample goes out to every open page every
 * {@link DashboardSampler#INTERVAL}, so it is the one part of the document written at every reading, and code run
 * once every two seconds stays in the interpreter for hours: building maps and handing them to Jackson was a quarter
 * of a reading's rendering there (docs/BENCHMARKS.md, issue 21). The members and numbers are the ones Jackson wrote:
 * rates and percentiles as doubles ({@code Double.toString}), counts as integers, a missing percentile as
 * {@code null}.
 */
final class SampleJson {
    private SampleJson() {
    }

    /**
     * @param samples samples, oldest first
     * @param boundsMillis the latency buckets' upper bounds
     * @return them as a JSON array
     */
    static byte[] array(List<DashboardWindow.Sample> samples, double[] boundsMillis) {
        StringBuilder out = new StringBuilder(64 + 420 * samples.size());
        out.append('[');
        for (int i = 0; i < samples.size(); i++) {
            if (i > 0) {
                out.append(',');
            }
            write(out, samples.get(i), boundsMillis);
        }
        return out.append(']').toString().getBytes(StandardCharsets.UTF_8);
    }

    private static void write(StringBuilder out, DashboardWindow.Sample sample, double[] bounds) {
        long requests = 0;
        long serverErrors = 0;
        long clientErrors = 0;
        for (DashboardWindow.RouteDelta delta : sample.routes().values()) {
            requests += delta.requests();
            serverErrors += delta.serverErrors();
            clientErrors += delta.clientErrors();
        }
        long[] buckets = sample.latency();
        double seconds = sample.seconds();
        out.append("{\"t\":").append(sample.at());
        decimal(out.append(",\"requests_per_s\":"), rate(requests, seconds));
        decimal(out.append(",\"server_errors_per_s\":"), rate(serverErrors, seconds));
        decimal(out.append(",\"client_errors_per_s\":"), rate(clientErrors, seconds));
        number(out.append(",\"p50_ms\":"), LatencyBuckets.percentile(buckets, bounds, 0.50));
        number(out.append(",\"p95_ms\":"), LatencyBuckets.percentile(buckets, bounds, 0.95));
        number(out.append(",\"p99_ms\":"), LatencyBuckets.percentile(buckets, bounds, 0.99));
        counts(out.append(",\"jobs\":"), sample.jobs());
        counts(out.append(",\"finished\":"), sample.finished());
        out.append(",\"pool\":{\"in_use\":").append(sample.poolInUse())
                .append(",\"idle\":").append(sample.poolIdle())
                .append(",\"waiting\":").append(sample.poolWaiting()).append('}');
        decimal(out.append(",\"queries_per_s\":"), rate(sample.queries(), seconds));
        decimal(out.append(",\"query_errors_per_s\":"), rate(sample.queryErrors(), seconds));
        counts(out.append(",\"webhook_attempts\":"), sample.webhookAttempts());
        out.append('}');
    }

    /**
     * @param count events in the interval
     * @param seconds the interval's length
     * @return events per second, two decimals
     */
    static double rate(long count, double seconds) {
        return seconds <= 0 ? 0 : Math.round(count / seconds * 100) / 100.0;
    }

    private static void number(StringBuilder out, @Nullable Double value) {
        if (value == null) {
            out.append("null");
        } else {
            decimal(out, value);
        }
    }

    /**
     * Writes a double as {@code Double.toString} does. The figures here are rounded to hundredths, which are written
     * from a {@code long} (the general algorithm is most of a sample's cost when it runs interpreted); anything else
     * goes to {@code Double.toString}.
     *
     * @param out where to write
     * @param value the number
     */
    static void decimal(StringBuilder out, double value) {
        long hundredths = Math.round(value * 100);
        if (value < 0 || value >= 1e7 || hundredths / 100.0 != value) {
            out.append(value);
            return;
        }
        // below 10^7, no other decimal rounds to the same double, so these digits are the shortest that read back
        out.append(hundredths / 100).append('.');
        long cents = hundredths % 100;
        if (cents == 0) {
            out.append('0');
        } else if (cents % 10 == 0) {
            out.append(cents / 10);
        } else {
            out.append(cents < 10 ? "0" : "").append(cents);
        }
    }

    private static void counts(StringBuilder out, Map<String, Long> counts) {
        out.append('{');
        boolean first = true;
        for (Map.Entry<String, Long> entry : counts.entrySet()) {
            if (!first) {
                out.append(',');
            }
            first = false;
            string(out, entry.getKey()).append(':').append(entry.getValue().longValue());
        }
        out.append('}');
    }

    /** Writes a JSON string: the keys are meters' tag values, fixed by weft's code, but escaped all the same. */
    static StringBuilder string(StringBuilder out, String text) {
        out.append('"');
        JsonStringEncoder.getInstance().quoteAsString(text, out);
        return out.append('"');
    }
}
