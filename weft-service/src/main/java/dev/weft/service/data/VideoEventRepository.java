package dev.weft.service.data;

import dev.weft.db.Database;
import dev.weft.db.SqlOperations;
import dev.weft.service.Json;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The event log {@code video_events}: one row per video status change, written by {@link #append} inside the
 * transaction that changes the status, read by the event streams ({@link #after}) and pruned by the job engine's
 * housekeeping ({@link #prune}). Each event's webhook deliveries are written in the same transaction by the
 * {@link Outbox} (their message id is {@code msg_} and the {@code event_id}).
 *
 * <p>Ids come from a one-row counter ({@code video_event_sequence}) that {@link #append} increments in the
 * writer's transaction, not from an identity column. The counter's row lock is held until that transaction ends,
 * so transactions that log events commit in id order on every dialect: a reader that has seen id {@code n} has
 * already been able to see every id below it, and "everything after the last id I saw" never skips a row that
 * commits late (with an identity column, id 11 can commit before id 10 and a poller past 11 would lose 10). The
 * cost is that status changes commit one after another; each holds the row only from its last statement to its
 * commit.
 *
 * <p>Thread-safe; every method blocks on the database.
 */
public final class VideoEventRepository {
    private static final String COLUMNS = "event_id, user_id, video_id, event_type, payload, created_at";
    private static final String SEQUENCE = "video_events";
    /** The most events one pruning statement deletes. */
    public static final int PRUNE_CHUNK = 1_000;

    private final Database db;
    private final Clock clock;
    private final Json json;
    private final Outbox outbox;

    /**
     * Work an event adds to the transaction that logs it: the webhook outbox writes one delivery per receiver, so a
     * delivery exists exactly when its event (and the status change) committed.
     *
     * <p>Implementations are thread-safe.
     */
    @FunctionalInterface
    public interface Outbox {
        /** Adds nothing. */
        Outbox NONE = (tx, video) -> (writeTx, event) -> { };

        /**
         * Called before the event counter is taken (its row lock serializes every writer until the commit): reads
         * what the event's writes need, such as the receivers.
         *
         * @param tx the transaction of the change
         * @param video the video as changed
         * @return the writes to make once the event has its id
         */
        Writes prepare(SqlOperations tx, VideoRow video);

        /** What an event adds to its transaction once it has its id. */
        @FunctionalInterface
        interface Writes {
            /**
             * @param tx the transaction of the change
             * @param event the event just logged
             */
            void write(SqlOperations tx, VideoEvent event);
        }
    }

    /**
     * @param db the database
     * @param clock the clock of {@code created_at}
     * @param json renders the video
     */
    public VideoEventRepository(Database db, Clock clock, Json json) {
        this(db, clock, json, Outbox.NONE);
    }

    /**
     * @param db the database
     * @param clock the clock of {@code created_at}
     * @param json renders the video
     * @param outbox what each event adds to its transaction (the webhook deliveries)
     */
    public VideoEventRepository(Database db, Clock clock, Json json, Outbox outbox) {
        this.db = Objects.requireNonNull(db, "db");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.json = Objects.requireNonNull(json, "json");
        this.outbox = Objects.requireNonNull(outbox, "outbox");
    }

    /**
     * Logs the video's current status as an event, with what the {@link Outbox} adds (its webhook deliveries). Call
     * it inside the transaction that changed the status, after the change, as the transaction's last write: the
     * counter row stays locked until the commit.
     *
     * @param tx the open transaction that changed the video (never the database itself: the counter and the row
     *     must commit together)
     * @param videoId the video
     * @return the event logged
     * @throws dev.weft.core.NotFoundException if there is no such video in {@code tx}
     */
    public VideoEvent append(SqlOperations tx, String videoId) {
        VideoRow video = tx.query("SELECT " + VideoRepository.COLUMNS + " FROM videos WHERE video_id = :id",
                Map.of("id", videoId)).optional(VideoRow.class)
                .orElseThrow(() -> new dev.weft.core.NotFoundException("not_found", "video not found"));
        // everything but the counter first: its row lock is held from the UPDATE to the commit and serializes
        // every writer, so nothing slow (rendering, reads) runs while it is held
        String payload = new String(json.write(VideoView.of(video, json)), StandardCharsets.UTF_8);
        Outbox.Writes deliveries = outbox.prepare(tx, video);
        Instant now = clock.instant();
        tx.execute("UPDATE video_event_sequence SET last_id = last_id + 1 WHERE name = :name",
                Map.of("name", SEQUENCE));
        long id = tx.query("SELECT last_id FROM video_event_sequence WHERE name = :name", Map.of("name", SEQUENCE))
                .one(Long.class);
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("event_id", id);
        row.put("user_id", video.userId());
        row.put("video_id", video.videoId());
        row.put("event_type", video.status());
        row.put("payload", payload);
        row.put("created_at", now);
        tx.insert("video_events", row).execute();
        VideoEvent event = new VideoEvent(id, video.userId(), video.videoId(), video.status(), payload, now);
        deliveries.write(tx, event);
        return event;
    }

    /**
     * Deletes a user's events. {@code video_events} has no foreign key to {@code users} (an insert would then lock
     * the user's row after the counter, while deleting a user locks the user first: a deadlock), so deleting a user
     * calls this in its transaction, after the user's videos are gone (no event can be logged for them after that).
     *
     * @param tx the transaction deleting the user
     * @param userId the user
     * @return how many events were deleted
     */
    public static long deleteUser(SqlOperations tx, long userId) {
        return tx.execute("DELETE FROM video_events WHERE user_id = :user_id", Map.of("user_id", userId));
    }

    /**
     * @param afterId only events with a larger id
     * @param userId only this user's, or {@code null} for every user
     * @param videoId only this video's, or {@code null} for every video
     * @param limit the most events
     * @return the events in id order
     */
    public List<VideoEvent> after(long afterId, @Nullable Long userId, @Nullable String videoId, int limit) {
        Map<String, Object> params = new HashMap<>();
        StringBuilder where = new StringBuilder(" WHERE event_id > :after");
        params.put("after", afterId);
        if (userId != null) {
            where.append(" AND user_id = :user_id");
            params.put("user_id", userId);
        }
        if (videoId != null) {
            where.append(" AND video_id = :video_id");
            params.put("video_id", videoId);
        }
        params.put("limit", limit);
        return db.query("SELECT " + COLUMNS + " FROM video_events" + where + " ORDER BY event_id LIMIT :limit",
                params).list(VideoEvent.class);
    }

    /** @return the id of the last committed event, 0 when none was ever logged */
    public long lastId() {
        return db.query("SELECT last_id FROM video_event_sequence WHERE name = :name", Map.of("name", SEQUENCE))
                .one(Long.class);
    }

    /**
     * Bounds the history: deletes events older than {@code olderThan}, and each user's events beyond the newest
     * {@code keepPerUser}, in statements of at most {@link #PRUNE_CHUNK} rows each (each its own transaction), so
     * pruning never holds many locks for long. A client that resumes from a pruned id gets what is left.
     *
     * @param keepPerUser events kept per user, at least 1
     * @param olderThan events created before this go
     * @return how many events were deleted
     */
    public long prune(int keepPerUser, Instant olderThan) {
        return prune(keepPerUser, olderThan, PRUNE_CHUNK);
    }

    /**
     * {@link #prune(int, Instant)} with a chunk size of the caller's.
     *
     * @param keepPerUser events kept per user, at least 1
     * @param olderThan events created before this go
     * @param chunk the most rows one statement deletes, at least 1
     * @return how many events were deleted
     */
    public long prune(int keepPerUser, Instant olderThan, int chunk) {
        // ids follow creation: everything up to the newest old id is old (give or take the clocks of instances)
        long oldest = db.query("SELECT COALESCE(MAX(event_id), 0) FROM video_events WHERE created_at < :cutoff",
                Map.of("cutoff", olderThan)).one(Long.class);
        long deleted = oldest > 0 ? deleteUpTo(null, oldest, chunk) : 0;
        List<Long> crowded = db.query("SELECT user_id FROM video_events GROUP BY user_id HAVING COUNT(*) > :keep",
                Map.of("keep", keepPerUser)).list(Long.class);
        for (long userId : crowded) {
            // the newest id to drop, read first: MariaDB refuses a DELETE whose subquery reads the same table
            List<Long> boundary = db.query("SELECT event_id FROM video_events WHERE user_id = :user_id"
                    + " ORDER BY event_id DESC LIMIT 1 OFFSET :keep", Map.of("user_id", userId, "keep", keepPerUser))
                    .list(Long.class);
            if (!boundary.isEmpty()) {
                deleted += deleteUpTo(userId, boundary.getFirst(), chunk);
            }
        }
        return deleted;
    }

    /** Deletes the events up to {@code last} (of one user, or of all), oldest first, {@code chunk} rows at a time. */
    private long deleteUpTo(@Nullable Long userId, long last, int chunk) {
        String user = userId == null ? "" : " AND user_id = :user_id";
        long deleted = 0;
        while (true) {
            Map<String, Object> params = new HashMap<>();
            params.put("last", last);
            params.put("skip", chunk - 1);
            if (userId != null) {
                params.put("user_id", userId);
            }
            // the chunk's newest id, read first (MariaDB refuses a DELETE whose subquery reads the same table)
            List<Long> chunkEnd = db.query("SELECT event_id FROM video_events WHERE event_id <= :last" + user
                    + " ORDER BY event_id LIMIT 1 OFFSET :skip", params).list(Long.class);
            params.remove("skip");
            params.put("last", chunkEnd.isEmpty() ? last : chunkEnd.getFirst());
            deleted += db.execute("DELETE FROM video_events WHERE event_id <= :last" + user, params);
            if (chunkEnd.isEmpty() || chunkEnd.getFirst() >= last) {
                return deleted;
            }
        }
    }
}
