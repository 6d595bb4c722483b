package dev.weft.service.data;

import dev.weft.db.Database;
import dev.weft.db.KeyedReader;
import dev.weft.db.SqlOperations;
import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * The {@code videos} table with the guides' queries: {@code get_by_video_id}, {@code get_user_videos},
 * {@code get_processing_videos}, {@code get_video_stats}, and inserts and updates for the jobs module.
 *
 * <p>Thread-safe; every method blocks on the database.
 */
public final class VideoRepository {
    /** Columns {@code order_by} may name. */
    public static final Set<String> ORDER_COLUMNS = Set.of("video_id", "filename", "size_bytes", "status",
            "created_at", "updated_at");
    /** Every status a video may have. */
    public static final Set<String> STATUSES = Set.of("queued", "uploading", "processing", "completed", "failed",
            "cancelled");
    static final String COLUMNS = "video_id, user_id, filename, size_bytes, status, job_id, external_job_id, "
            + "result_url, error, options, storage_path, processing_ms, created_at, updated_at";

    private final Database db;
    private final Clock clock;
    /** Reads by id: weft-db sends concurrent reads as one query. */
    private final KeyedReader<String, VideoRow> byId;

    /**
     * Reads and writes through {@code db}; weft-db gives SQLite writers their turns, so this repository needs no
     * writers' queue of its own.
     *
     * @param db the database
     * @param clock the clock
     */
    public VideoRepository(Database db, Clock clock) {
        this.db = Objects.requireNonNull(db, "db");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.byId = db.keyed("videos", "video_id", String.class, VideoRow.class, COLUMNS.split(", "));
    }

    /**
     * @param ops the database or an open transaction
     * @param videoId the new id
     * @param userId the owner
     * @param filename the file's name
     * @param sizeBytes its size
     * @param options options JSON text or {@code null}
     * @param storagePath where the upload is, or {@code null}
     * @param jobId the job id or {@code null}
     * @return the stored row, status {@code queued}
     */
    public VideoRow insert(SqlOperations ops, String videoId, long userId, String filename, long sizeBytes,
            @Nullable String options, @Nullable String storagePath, @Nullable String jobId) {
        Instant now = clock.instant();
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("video_id", videoId);
        row.put("user_id", userId);
        row.put("filename", filename);
        row.put("size_bytes", sizeBytes);
        row.put("status", "queued");
        row.put("job_id", jobId);
        row.put("options", options);
        row.put("storage_path", storagePath);
        row.put("created_at", now);
        row.put("updated_at", now);
        ops.insert("videos", row).execute();
        return ops.query("SELECT " + COLUMNS + " FROM videos WHERE video_id = :id", Map.of("id", videoId))
                .one(VideoRow.class);
    }

    /**
     * @param ops the database or an open transaction
     * @param videoId the video
     * @param changes column to new value
     * @return whether a row changed
     */
    public boolean update(SqlOperations ops, String videoId, Map<String, ?> changes) {
        Map<String, Object> data = new LinkedHashMap<>(changes);
        data.put("updated_at", clock.instant());
        return ops.update("videos", data, Map.of("video_id", videoId)).execute().count() > 0;
    }

    /**
     * Where a user's uploads are stored, to delete the files once the user's rows are gone.
     *
     * @param ops the database or an open transaction
     * @param userId the user
     * @return the stored uploads' paths (videos whose upload was already processed or removed have none)
     */
    public List<String> storagePaths(SqlOperations ops, long userId) {
        return ops.query("SELECT storage_path FROM videos WHERE user_id = :user_id AND storage_path IS NOT NULL",
                Map.of("user_id", userId)).list(String.class);
    }

    /**
     * @param videoId the id
     * @return the video; concurrent calls share one query
     */
    public Optional<VideoRow> getByVideoId(String videoId) {
        return byId.find(videoId);
    }

    /**
     * @param userId the owner, or {@code null} for every user
     * @param status only this status, or {@code null}
     * @param page the page
     * @return the page's videos
     */
    public List<VideoRow> getUserVideos(@Nullable Long userId, @Nullable String status, Page page) {
        Map<String, Object> params = new HashMap<>();
        String where = where(userId, status, params);
        params.put("limit", page.limit());
        params.put("offset", page.offset());
        return db.query("SELECT " + COLUMNS + " FROM videos" + where + page.orderSql("video_id")
                + " LIMIT :limit OFFSET :offset", params).list(VideoRow.class);
    }

    /** @param userId the owner or {@code null} @param status the status or {@code null} @return the count */
    public long count(@Nullable Long userId, @Nullable String status) {
        Map<String, Object> params = new HashMap<>();
        return db.query("SELECT COUNT(*) FROM videos" + where(userId, status, params), params).one(Long.class);
    }

    /** @param limit the most rows @return videos queued, uploading or processing, oldest first */
    public List<VideoRow> getProcessingVideos(int limit) {
        return db.query("SELECT " + COLUMNS + " FROM videos WHERE status IN ('queued', 'uploading', 'processing')"
                + " ORDER BY created_at, video_id LIMIT :limit", Map.of("limit", limit)).list(VideoRow.class);
    }

    /**
     * The guides' {@code get_video_stats}.
     *
     * @param userId the owner, or {@code null} for all
     * @return total, per status, mean processing time
     */
    public VideoStats getVideoStats(@Nullable Long userId) {
        Map<String, Object> params = new HashMap<>();
        String where = where(userId, null, params);
        Map<String, Long> byStatus = new TreeMap<>();
        long total = 0;
        for (StatusCount row : db.query("SELECT status, COUNT(*) AS count FROM videos" + where
                + " GROUP BY status", params).list(StatusCount.class)) {
            byStatus.put(row.status(), row.count());
            total += row.count();
        }
        Double average = db.query("SELECT AVG(processing_ms) FROM videos" + where
                + (where.isEmpty() ? " WHERE" : " AND") + " processing_ms IS NOT NULL", params).list(Double.class)
                .stream().filter(Objects::nonNull).findFirst().orElse(0.0);
        return new VideoStats(total, byStatus, average);
    }

    private static String where(@Nullable Long userId, @Nullable String status, Map<String, Object> params) {
        StringBuilder where = new StringBuilder();
        if (userId != null) {
            where.append(" WHERE user_id = :user_id");
            params.put("user_id", userId);
        }
        if (status != null) {
            where.append(where.isEmpty() ? " WHERE" : " AND").append(" status = :status");
            params.put("status", status);
        }
        return where.toString();
    }

    /** A count per status. @param status the status @param count how many */
    public record StatusCount(String status, long count) {
    }
}
