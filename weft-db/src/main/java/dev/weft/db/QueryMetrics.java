package dev.weft.db;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What a {@link Database} has run since it started, as the guides' {@code get_query_metrics} reports it. Latency
 * percentiles come from a histogram of every operation since start (bounded memory: a fixed-size histogram, the
 * 10 most recent operations and the 100 most recent slow ones).
 *
 * @param total operations run
 * @param succeeded operations that succeeded
 * @param failed operations that failed
 * @param successRate {@code succeeded / total}, or 1 when nothing ran
 * @param average mean duration
 * @param p50 median duration
 * @param p95 95th percentile
 * @param p99 99th percentile
 * @param slowThreshold the threshold for {@link #slowQueries()}
 * @param recent the 10 most recent operations, oldest first
 * @param slowQueries the most recent operations at least {@code slowThreshold} long, oldest first
 */
public record QueryMetrics(long total, long succeeded, long failed, double successRate, Duration average,
        Duration p50, Duration p95, Duration p99, Duration slowThreshold, List<Record> recent,
        List<Record> slowQueries) {

    /** Copies the lists. */
    public QueryMetrics {
        recent = List.copyOf(recent);
        slowQueries = List.copyOf(slowQueries);
    }

    /**
     * One operation.
     *
     * @param id a process-unique id, e.g. {@code q-1234}
     * @param type {@code query}, {@code execute}, {@code insert}, {@code update}, {@code delete}, {@code batch},
     *     {@code bulk_insert}, {@code stream} or {@code transaction}
     * @param sql the SQL text with its {@code :name} placeholders, never the values, at most 500 characters
     * @param startedAt when it started
     * @param duration how long it took
     * @param rows rows returned or affected
     * @param success whether it succeeded
     * @param errorCode the {@link dev.weft.core.WeftException#code()} of the failure, if it failed
     */
    public record Record(String id, String type, String sql, Instant startedAt, Duration duration, long rows,
            boolean success, Optional<String> errorCode) {
        /** Checks nulls. */
        public Record {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(errorCode, "errorCode");
        }
    }
}
