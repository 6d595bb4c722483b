package dev.weft.service.data;

import dev.weft.db.Database;
import dev.weft.db.DatabaseType;
import dev.weft.db.SqlOperations;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The {@code model_usage} table with the guides' queries: {@code log_usage}, {@code get_usage_stats(days)},
 * {@code get_daily_usage(days)}.
 *
 * <p>Thread-safe; every method blocks on the database.
 */
public final class UsageRepository {
    static final String COLUMNS = "id, user_id, video_id, model_type, processing_ms, memory_mb, gpu_percent, created_at";
    // split once: a two-character separator is a regular expression, compiled at every call
    private static final String[] COLUMN_NAMES = COLUMNS.split(", ");

    private final Database db;
    private final Clock clock;

    /**
     * Reads and writes through {@code db}; weft-db gives SQLite writers their turns, so this repository needs no
     * writers' queue of its own.
     *
     * @param db the database
     * @param clock the clock
     */
    public UsageRepository(Database db, Clock clock) {
        this.db = Objects.requireNonNull(db, "db");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * Per-model statistics.
     *
     * @param modelType the model
     * @param count rows
     * @param avgProcessingMs mean processing time
     * @param avgMemoryMb mean memory
     * @param avgGpuPercent mean GPU use
     */
    public record ModelStats(String modelType, long count, double avgProcessingMs, double avgMemoryMb,
            double avgGpuPercent) {
    }

    /**
     * One day's usage.
     *
     * @param date the UTC day, {@code yyyy-MM-dd}
     * @param count rows
     * @param totalProcessingMs processing time that day
     */
    public record DailyUsage(String date, long count, long totalProcessingMs) {
    }

    /**
     * The guides' {@code log_usage}.
     *
     * @param ops the database or an open transaction
     * @param userId the user
     * @param videoId the video or {@code null}
     * @param modelType the model
     * @param processingMs processing time
     * @param memoryMb memory, or {@code null}
     * @param gpuPercent GPU use, or {@code null}
     * @return the stored row
     */
    public UsageRow logUsage(SqlOperations ops, long userId, @Nullable String videoId, String modelType,
            long processingMs, @Nullable Double memoryMb, @Nullable Double gpuPercent) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("user_id", userId);
        row.put("video_id", videoId);
        row.put("model_type", modelType);
        row.put("processing_ms", processingMs);
        row.put("memory_mb", memoryMb);
        row.put("gpu_percent", gpuPercent);
        row.put("created_at", clock.instant());
        return ops.insert("model_usage", row).returning(COLUMN_NAMES).execute(UsageRow.class)
                .rows().getFirst();
    }

    /**
     * @param userId the user, or {@code null} for all
     * @param limit rows
     * @param offset rows skipped
     * @return usage rows, newest first
     */
    public List<UsageRow> list(@Nullable Long userId, int limit, long offset) {
        Map<String, Object> params = new HashMap<>();
        params.put("limit", limit);
        params.put("offset", offset);
        String where = "";
        if (userId != null) {
            where = " WHERE user_id = :user_id";
            params.put("user_id", userId);
        }
        return db.query("SELECT " + COLUMNS + " FROM model_usage" + where
                + " ORDER BY created_at DESC, id DESC LIMIT :limit OFFSET :offset", params).list(UsageRow.class);
    }

    /**
     * The guides' {@code get_usage_stats(days)}.
     *
     * @param days the window, in days back from now
     * @param userId the user, or {@code null} for all
     * @return statistics per model type, by model type
     */
    public List<ModelStats> getUsageStats(int days, @Nullable Long userId) {
        Map<String, Object> params = window(days, userId);
        return db.query("SELECT model_type, COUNT(*) AS count,"
                + " COALESCE(AVG(processing_ms), 0) AS avg_processing_ms,"
                + " COALESCE(AVG(memory_mb), 0) AS avg_memory_mb,"
                + " COALESCE(AVG(gpu_percent), 0) AS avg_gpu_percent"
                + " FROM model_usage WHERE created_at >= :since" + (userId != null ? " AND user_id = :user_id" : "")
                + " GROUP BY model_type ORDER BY model_type", params).list(ModelStats.class);
    }

    /**
     * The guides' {@code get_daily_usage(days)}.
     *
     * @param days the window, in days back from now
     * @param userId the user, or {@code null} for all
     * @return one row per UTC day that has usage, oldest first
     */
    public List<DailyUsage> getDailyUsage(int days, @Nullable Long userId) {
        String day = switch (db.type()) {
            case POSTGRESQL -> "to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')";
            case MARIADB, MYSQL -> "DATE_FORMAT(created_at, '%Y-%m-%d')";
            case SQLITE -> "substr(created_at, 1, 10)";
        };
        Map<String, Object> params = window(days, userId);
        return db.query("SELECT " + day + " AS date, COUNT(*) AS count,"
                + " COALESCE(SUM(processing_ms), 0) AS total_processing_ms FROM model_usage"
                + " WHERE created_at >= :since" + (userId != null ? " AND user_id = :user_id" : "")
                + " GROUP BY " + day + " ORDER BY " + day, params).list(DailyUsage.class);
    }

    private Map<String, Object> window(int days, @Nullable Long userId) {
        Map<String, Object> params = new HashMap<>();
        Instant since = clock.instant().minus(Duration.ofDays(days));
        params.put("since", since);
        if (userId != null) {
            params.put("user_id", userId);
        }
        return params;
    }

    /** @return the dialect, for callers that need it */
    public DatabaseType type() {
        return db.type();
    }
}
