package dev.weft.service.jobs;

import dev.weft.db.Database;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Reads the most recently failed jobs, for the operations dashboard: the job store owns the {@code jobs} table, so
 * its one query for this lives here and not in the dashboard.
 *
 * <p>Thread-safe; {@link #recent(int)} blocks on the database for one query.
 */
public final class FailedJobs {
    /**
     * One failed job.
     *
     * @param jobId the job
     * @param videoId the video it processed
     * @param userId the video's owner
     * @param attempts attempts made
     * @param error why it failed, as stored (callers sanitise it before showing it)
     * @param finishedAt when it failed, or {@code null} if not recorded
     */
    public record Failure(String jobId, String videoId, long userId, int attempts, @Nullable String error,
            @Nullable Instant finishedAt) {
    }

    private final Database db;

    private FailedJobs(Database db) {
        this.db = db;
    }

    /**
     * @param db the database holding {@code jobs} (migrated by {@link JobMigrations})
     * @return a reader over it
     */
    public static FailedJobs over(Database db) {
        return new FailedJobs(Objects.requireNonNull(db, "db"));
    }

    /**
     * @param limit at most this many, 1..100
     * @return the latest failures, newest first
     * @throws IllegalArgumentException for a limit out of range
     */
    public List<Failure> recent(int limit) {
        if (limit < 1 || limit > 100) {
            throw new IllegalArgumentException("limit must be 1..100, was " + limit);
        }
        return db.query("SELECT job_id, video_id, user_id, attempts, error, finished_at FROM jobs"
                + " WHERE state = :state ORDER BY finished_at DESC, job_id DESC LIMIT " + limit,
                Map.of("state", JobState.FAILED.wireName())).list(Failure.class);
    }
}
