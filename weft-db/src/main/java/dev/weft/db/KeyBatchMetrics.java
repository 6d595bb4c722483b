package dev.weft.db;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * The meters of one keyed reader, tagged like {@code weft.db.query} ({@code database}) plus {@code table} and
 * {@code shape} ({@code table.key_column}): {@code weft.db.batch.batches} counts the queries sent (a lone call is a
 * batch of one key), {@code weft.db.batch.keys} the distinct keys per batch (with a histogram),
 * {@code weft.db.batch.wait} the time each caller that joined a waiting batch waited until it was sent. Without a
 * registry it records nothing. Thread-safe.
 */
final class KeyBatchMetrics {
    private final @Nullable Counter batches;
    private final @Nullable DistributionSummary keys;
    private final @Nullable Timer wait;

    KeyBatchMetrics(@Nullable MeterRegistry registry, String database, KeyedSql sql, int maxBatchSize) {
        if (registry == null) {
            batches = null;
            keys = null;
            wait = null;
            return;
        }
        String shape = sql.table() + "." + sql.keyColumn();
        batches = Counter.builder("weft.db.batch.batches").description("Key batch queries sent by keyed readers")
                .tag("database", database).tag("table", sql.table()).tag("shape", shape).register(registry);
        keys = DistributionSummary.builder("weft.db.batch.keys").description("Distinct keys per key batch")
                .tag("database", database).tag("table", sql.table()).tag("shape", shape)
                .publishPercentileHistogram().minimumExpectedValue(1.0)
                .maximumExpectedValue((double) Math.max(2, maxBatchSize)).register(registry);
        wait = Timer.builder("weft.db.batch.wait").description("Time a caller waited for its key batch to be sent")
                .tag("database", database).tag("table", sql.table()).tag("shape", shape).register(registry);
    }

    /** A batch of {@code distinctKeys} keys was sent. */
    void sent(int distinctKeys) {
        if (batches != null && keys != null) {
            batches.increment();
            keys.record(distinctKeys);
        }
    }

    /** A caller that joined a waiting batch waited this long for it to be sent (or to give up). */
    void waited(long nanos) {
        if (wait != null) {
            wait.record(Math.max(0, nanos), TimeUnit.NANOSECONDS);
        }
    }
}
