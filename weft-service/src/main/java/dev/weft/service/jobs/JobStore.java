package dev.weft.service.jobs;

import dev.weft.db.Database;
import dev.weft.db.DatabaseType;
import dev.weft.db.SqlOperations;
import dev.weft.service.Json;
import dev.weft.service.data.UsageRepository;
import dev.weft.service.data.VideoEventRepository;
import dev.weft.service.data.VideoRepository;
import dev.weft.service.provider.ModelUsage;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * The SQL of the job queue. Every write a worker makes is guarded by its lease ({@code lease_owner = :owner}) and,
 * for forward steps, by {@code cancel_requested = 0}; a write that changes no row means the worker lost the job
 * (its lease lapsed and another worker took it) or the job was cancelled, and the worker stops. A step's job update
 * and its video update share one transaction, which this class opens and hands to the video and usage repositories
 * explicitly ({@code tx}); {@link #insert} joins the submitter's transaction the same way (see
 * {@code dev.weft.service.data}: transactions are passed, never joined through weft-db's ScopedValue). Every
 * transaction that changes a video's status also logs the change ({@link VideoEventRepository#append}) as its last
 * write, so an event exists exactly when its status change committed.
 *
 * <p>Thread-safe; every method blocks on the database.
 */
final class JobStore {
    static final String COLUMNS = "job_id, video_id, user_id, state, attempts, next_attempt_at, lease_owner, "
            + "lease_expires_at, cancel_requested, provider_url, external_job_id, error, created_at, updated_at, "
            + "finished_at, trace_parent, request_id";
    private static final String ACTIVE = JobState.active().stream().map(state -> "'" + state.wireName() + "'")
            .collect(Collectors.joining(", ", "(", ")"));
    private static final String CLAIMABLE = "state IN " + ACTIVE + " AND next_attempt_at <= :now"
            + " AND (lease_expires_at IS NULL OR lease_expires_at < :now)";

    private final Database db;
    private final VideoRepository videos;
    private final UsageRepository usage;
    private final VideoEventRepository events;
    private final Clock clock;

    JobStore(Database db, VideoRepository videos, UsageRepository usage, Clock clock) {
        this(db, videos, usage, clock, VideoEventRepository.Outbox.NONE);
    }

    /** @param outbox what each status change's event adds to its transaction (the webhook deliveries) */
    JobStore(Database db, VideoRepository videos, UsageRepository usage, Clock clock,
            VideoEventRepository.Outbox outbox) {
        this.db = Objects.requireNonNull(db, "db");
        this.videos = Objects.requireNonNull(videos, "videos");
        this.usage = Objects.requireNonNull(usage, "usage");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.events = new VideoEventRepository(db, clock, Json.create(), outbox);
    }

    Database db() {
        return db;
    }

    void insert(SqlOperations ops, String jobId, String videoId, long userId, @Nullable String traceParent,
            @Nullable String requestId) {
        insert(ops, jobId, videoId, userId, traceParent, requestId, null);
    }

    /** As above, with the job's {@code callback_url} and its sealed secret (written before the queued event). */
    void insert(SqlOperations ops, String jobId, String videoId, long userId, @Nullable String traceParent,
            @Nullable String requestId, JobEngine.@Nullable Callback callback) {
        Map<String, Object> row = new LinkedHashMap<>();
        if (callback != null) {
            row.put("callback_url", callback.url());
            row.put("callback_secret_sealed", callback.secretSealed());
        }
        if (traceParent != null) {
            row.put("trace_parent", traceParent);
        }
        if (requestId != null) {
            row.put("request_id", requestId);
        }
        row.put("job_id", jobId);
        row.put("video_id", videoId);
        row.put("user_id", userId);
        row.put("state", JobState.QUEUED.wireName());
        row.put("attempts", 0);
        row.put("next_attempt_at", clock.millis());
        row.put("cancel_requested", 0);
        row.put("created_at", clock.instant());
        row.put("updated_at", clock.instant());
        ops.insert("jobs", row).execute();
        events.append(ops, videoId);
    }

    /**
     * Takes the next due job whose lease is free or lapsed. PostgreSQL and MariaDB lock the candidate row with
     * {@code FOR UPDATE SKIP LOCKED}, so concurrent claimers pass over each other's rows instead of queueing on
     * them; SQLite (one writer at a time) takes it with a guarded {@code UPDATE ... RETURNING}.
     */
    Optional<JobRow> claim(String owner, Duration lease) {
        long now = clock.millis();
        Map<String, Object> params = new HashMap<>();
        params.put("now", now);
        params.put("owner", owner);
        params.put("expires", now + lease.toMillis());
        params.put("updated_at", clock.instant());
        if (db.type() == DatabaseType.SQLITE) {
            List<String> ids = db.query("UPDATE jobs SET lease_owner = :owner, lease_expires_at = :expires,"
                    + " updated_at = :updated_at WHERE job_id = (SELECT job_id FROM jobs WHERE " + CLAIMABLE
                    + " ORDER BY next_attempt_at, created_at LIMIT 1)"
                    + " AND (lease_expires_at IS NULL OR lease_expires_at < :now) RETURNING job_id", params)
                    .list(String.class);
            return ids.isEmpty() ? Optional.empty() : get(ids.getFirst());
        }
        return db.inTransaction(tx -> {
            List<String> ids = tx.query("SELECT job_id FROM jobs WHERE " + CLAIMABLE
                    + " ORDER BY next_attempt_at LIMIT 1 FOR UPDATE SKIP LOCKED", Map.of("now", now))
                    .list(String.class);
            if (ids.isEmpty()) {
                return Optional.<JobRow>empty();
            }
            params.remove("now");
            params.put("job_id", ids.getFirst());
            tx.execute("UPDATE jobs SET lease_owner = :owner, lease_expires_at = :expires,"
                    + " updated_at = :updated_at WHERE job_id = :job_id", params);
            return get(tx, ids.getFirst());
        });
    }

    Optional<JobRow> get(String jobId) {
        return get(db, jobId);
    }

    private static Optional<JobRow> get(SqlOperations ops, String jobId) {
        return ops.query("SELECT " + COLUMNS + " FROM jobs WHERE job_id = :job_id", Map.of("job_id", jobId))
                .optional(Stored.class).map(Stored::row);
    }

    Optional<JobRow> forVideo(String videoId) {
        return db.query("SELECT " + COLUMNS + " FROM jobs WHERE video_id = :video_id ORDER BY created_at DESC",
                Map.of("video_id", videoId)).list(Stored.class).stream().findFirst()
                .map(Stored::row);
    }

    /**
     * Records a forward step: the job's new state and columns, and the video's columns, in one transaction.
     *
     * @return false if the worker no longer holds the job or a cancel was requested
     */
    boolean advance(JobRow job, String owner, JobState next, Map<String, @Nullable Object> jobChanges,
            Map<String, @Nullable Object> videoChanges, Duration lease) {
        Map<String, @Nullable Object> set = new LinkedHashMap<>(jobChanges);
        set.put("state", next.wireName());
        set.put("lease_expires_at", clock.millis() + lease.toMillis());
        return db.inTransaction(tx -> {
            if (guarded(tx, job.jobId(), owner, set, true) == 0) {
                return false;
            }
            if (!videoChanges.isEmpty()) {
                videos.update(tx, job.videoId(), videoChanges);
                if (videoChanges.containsKey("status")) {
                    events.append(tx, job.videoId());
                }
            }
            return true;
        });
    }

    /** Extends the lease while a step waits; false if the job was lost or a cancel was requested. */
    boolean renew(String jobId, String owner, Duration lease, boolean requireNoCancel) {
        Map<String, @Nullable Object> set = new LinkedHashMap<>();
        set.put("lease_expires_at", clock.millis() + lease.toMillis());
        return guarded(db, jobId, owner, set, requireNoCancel) > 0;
    }

    /** The provider finished the job: usage logged, video completed, job completed, in one transaction. */
    boolean complete(JobRow job, String owner, String resultUrl, @Nullable ModelUsage cost) {
        return db.inTransaction(tx -> {
            if (guarded(tx, job.jobId(), owner, finalState(JobState.COMPLETED, null), true) == 0) {
                return false;
            }
            if (cost != null) {
                usage.logUsage(tx, job.userId(), job.videoId(), cost.modelType(), cost.processingMs(), cost.memoryMb(),
                        cost.gpuPercent());
            }
            Map<String, @Nullable Object> video = new HashMap<>();
            video.put("status", "completed");
            video.put("result_url", resultUrl);
            video.put("processing_ms", cost == null ? null : cost.processingMs());
            video.put("error", null);
            videos.update(tx, job.videoId(), video);
            events.append(tx, job.videoId());
            return true;
        });
    }

    /** Gives up on the job with a reason: job and video failed, in one transaction. */
    boolean fail(JobRow job, String owner, int attempts, String reason) {
        Map<String, @Nullable Object> set = finalState(JobState.FAILED, reason);
        set.put("attempts", attempts);
        return db.inTransaction(tx -> {
            if (guarded(tx, job.jobId(), owner, set, true) == 0) {
                return false;
            }
            Map<String, @Nullable Object> video = new HashMap<>();
            video.put("status", "failed");
            video.put("error", reason);
            videos.update(tx, job.videoId(), video);
            events.append(tx, job.videoId());
            return true;
        });
    }

    /** Puts the job back in the queue at the same step, due after a backoff, and frees its lease. */
    boolean retryLater(JobRow job, String owner, int attempts, long nextAttemptAt, String error) {
        Map<String, @Nullable Object> set = new LinkedHashMap<>();
        set.put("attempts", attempts);
        set.put("next_attempt_at", nextAttemptAt);
        set.put("error", error);
        set.put("lease_owner", null);
        set.put("lease_expires_at", null);
        return guarded(db, job.jobId(), owner, set, false) > 0;
    }

    /** Frees the lease without changing the step (graceful stop): another worker may take the job at once. */
    boolean release(String jobId, String owner) {
        Map<String, @Nullable Object> set = new LinkedHashMap<>();
        set.put("lease_owner", null);
        set.put("lease_expires_at", null);
        return guarded(db, jobId, owner, set, false) > 0;
    }

    /** Ends a job whose cancel was requested while this worker held it (the video is already cancelled). */
    boolean finishCancel(String jobId, String owner) {
        return guarded(db, jobId, owner, finalState(JobState.CANCELLED, null), false) > 0;
    }

    /** What {@link #cancel} did. */
    enum CancelOutcome {
        /** The job (and video) are cancelled, or will be at the worker's next step boundary. */
        CANCELLED,
        /** The job or video had already reached a final state. */
        ALREADY_FINAL,
        /** No such video. */
        NOT_FOUND
    }

    /**
     * Cancels the video's job. A job no live worker holds is cancelled at once; a held one is flagged, its video
     * shown cancelled at once, and the worker ends it at its next step boundary. The row lock (or SQLite's single
     * writer) orders this against a worker's final transaction, so exactly one of them wins.
     */
    CancelOutcome cancel(String videoId) {
        boolean rowLocks = db.type() != DatabaseType.SQLITE;
        return db.inTransaction(tx -> {
            List<String> statuses = tx.query("SELECT status FROM videos WHERE video_id = :video_id"
                    + (rowLocks ? " FOR UPDATE" : ""), Map.of("video_id", videoId)).list(String.class);
            if (statuses.isEmpty()) {
                return CancelOutcome.NOT_FOUND;
            }
            List<JobRow> jobs = tx.query("SELECT " + COLUMNS + " FROM jobs WHERE video_id = :video_id"
                    + (rowLocks ? " FOR UPDATE" : ""), Map.of("video_id", videoId)).list(Stored.class).stream()
                    .map(Stored::row).toList();
            String status = statuses.getFirst();
            if (status.equals("completed") || status.equals("failed") || status.equals("cancelled")) {
                return CancelOutcome.ALREADY_FINAL;
            }
            long now = clock.millis();
            for (JobRow job : jobs) {
                if (job.state().isFinal()) {
                    continue;
                }
                boolean held = job.leaseOwner() != null && job.leaseExpiresAt() != null && job.leaseExpiresAt() >= now;
                Map<String, @Nullable Object> set = held ? new LinkedHashMap<>() : finalState(JobState.CANCELLED, null);
                set.put("cancel_requested", 1);
                set.put("updated_at", clock.instant());
                Map<String, @Nullable Object> params = new HashMap<>(set);
                params.put("job_id", job.jobId());
                tx.execute("UPDATE jobs SET " + assignments(set) + " WHERE job_id = :job_id", nonNull(params));
            }
            Map<String, @Nullable Object> video = new HashMap<>();
            video.put("status", "cancelled");
            videos.update(tx, videoId, video);
            events.append(tx, videoId);
            return CancelOutcome.CANCELLED;
        });
    }

    /** @return jobs per state, every state present */
    Map<JobState, Long> countByState() {
        Map<JobState, Long> counts = new java.util.EnumMap<>(JobState.class);
        for (JobState state : JobState.values()) {
            counts.put(state, 0L);
        }
        for (Map<String, Object> row : db.query("SELECT state, COUNT(*) AS n FROM jobs GROUP BY state", Map.of())
                .list()) {
            try {
                counts.put(JobState.parse(String.valueOf(row.get("state"))), ((Number) Objects.requireNonNull(row.get("n"))).longValue());
            } catch (IllegalArgumentException e) {
                // a state written by a newer version: not counted here
            }
        }
        return counts;
    }

    /** @return jobs not yet final */
    long queueDepth() {
        return db.query("SELECT COUNT(*) FROM jobs WHERE state IN " + ACTIVE, Map.of()).one(Long.class);
    }

    private Map<String, @Nullable Object> finalState(JobState state, @Nullable String error) {
        Map<String, @Nullable Object> set = new LinkedHashMap<>();
        set.put("state", state.wireName());
        set.put("lease_owner", null);
        set.put("lease_expires_at", null);
        set.put("finished_at", clock.instant());
        set.put("error", error);
        return set;
    }

    private long guarded(SqlOperations ops, String jobId, String owner, Map<String, @Nullable Object> changes,
            boolean requireNoCancel) {
        Map<String, @Nullable Object> set = new LinkedHashMap<>(changes);
        set.put("updated_at", clock.instant());
        Map<String, @Nullable Object> params = new HashMap<>(set);
        params.put("job_id", jobId);
        params.put("guard_owner", owner);
        return ops.execute("UPDATE jobs SET " + assignments(set) + " WHERE job_id = :job_id"
                + " AND lease_owner = :guard_owner" + (requireNoCancel ? " AND cancel_requested = 0" : ""),
                nonNull(params));
    }

    /** {@code col = :col} for values, {@code col = NULL} for nulls; column names are this class's own constants. */
    private static String assignments(Map<String, @Nullable Object> set) {
        return set.entrySet().stream()
                .map(entry -> entry.getKey() + " = " + (entry.getValue() == null ? "NULL" : ":" + entry.getKey()))
                .collect(Collectors.joining(", "));
    }

    private static Map<String, Object> nonNull(Map<String, @Nullable Object> params) {
        Map<String, Object> out = new HashMap<>();
        params.forEach((key, value) -> {
            if (value != null) {
                out.put(key, value);
            }
        });
        return out;
    }

    /**
     * A {@code jobs} row as the table holds it: {@code state} is the stored text, parsed once into
     * {@link JobRow#state()} by {@link #row()} (weft-db maps enums by {@code name()}, the table holds
     * {@link JobState#wireName()}).
     */
    record Stored(String jobId, String videoId, long userId, String state, int attempts, long nextAttemptAt,
            @Nullable String leaseOwner, @Nullable Long leaseExpiresAt, int cancelRequested,
            @Nullable String providerUrl, @Nullable String externalJobId, @Nullable String error, Instant createdAt,
            Instant updatedAt, @Nullable Instant finishedAt, @Nullable String traceParent, @Nullable String requestId) {

        /** @return the row with its state parsed */
        JobRow row() {
            return new JobRow(jobId, videoId, userId, JobState.parse(state), attempts, nextAttemptAt, leaseOwner,
                    leaseExpiresAt, cancelRequested, providerUrl, externalJobId, error, createdAt, updatedAt,
                    finishedAt, traceParent, requestId);
        }
    }
}
