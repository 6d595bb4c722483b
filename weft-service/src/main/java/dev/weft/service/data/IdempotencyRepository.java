package dev.weft.service.data;

import dev.weft.db.ConstraintViolationException;
import dev.weft.db.Database;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The {@code idempotency_keys} table: one record per principal and key, first {@link #claim claimed} (status 0) and
 * then {@link #complete completed} with the answer, kept for {@link #RETENTION}.
 *
 * <p>Thread-safe; every method blocks on the database.
 */
public final class IdempotencyRepository {
    /** How long a key is remembered. */
    public static final Duration RETENTION = Duration.ofHours(24);
    /** The status of a record whose work was done but whose answer could not be stored ({@link #answerLost}). */
    public static final int ANSWER_LOST = -1;

    private final Database db;
    private final Clock clock;

    /**
     * Reads and writes through {@code db}; weft-db gives SQLite writers their turns, so this repository needs no
     * writers' queue of its own.
     *
     * @param db the database
     * @param clock the clock
     */
    public IdempotencyRepository(Database db, Clock clock) {
        this.db = Objects.requireNonNull(db, "db");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * A stored record.
     *
     * @param requestHash the first request's hash
     * @param status its answer's status; 0 while it runs, {@link #ANSWER_LOST} if its answer could not be stored
     * @param body its answer's body
     * @param createdAt when claimed
     */
    public record Entry(String requestHash, int status, @Nullable String body, Instant createdAt) {
    }

    /**
     * Claims a key for a request, or returns the record that holds it.
     *
     * @param principal the caller's scope
     * @param key the key
     * @param requestHash the request's hash
     * @return empty if this call claimed the key; else the live record
     */
    public Optional<Entry> claim(String principal, String key, String requestHash) {
        Map<String, Object> id = Map.of("principal", principal, "idem_key", key);
        for (int attempt = 0; attempt < 3; attempt++) {
            Optional<Entry> existing = db.query("SELECT request_hash, status, body, created_at FROM idempotency_keys"
                    + " WHERE principal = :principal AND idem_key = :idem_key", id).optional(Entry.class);
            if (existing.isPresent()) {
                if (existing.get().createdAt().isAfter(clock.instant().minus(RETENTION))) {
                    return existing;
                }
                db.delete("idempotency_keys", id).execute();
            }
            Map<String, Object> row = new LinkedHashMap<>(id);
            row.put("request_hash", requestHash);
            row.put("status", 0);
            row.put("body", null);
            row.put("created_at", clock.instant());
            try {
                db.insert("idempotency_keys", row).execute();
                return Optional.empty();
            } catch (ConstraintViolationException raced) {
                // another request claimed it between our read and insert: read it again
            }
        }
        throw new IllegalStateException("idempotency key could not be claimed after 3 attempts");
    }

    /**
     * @param principal the scope
     * @param key the key
     * @param status the answer's status
     * @param body the answer's JSON body
     */
    public void complete(String principal, String key, int status, String body) {
        db.update("idempotency_keys", Map.of("status", status, "body", body),
                Map.of("principal", principal, "idem_key", key)).execute();
    }

    /**
     * Marks a claim whose work was done but whose answer could not be stored (too large for the database, or the
     * database went away in between): a repeat of its key is told so instead of being asked to wait.
     *
     * @param principal the scope
     * @param key the key
     */
    public void answerLost(String principal, String key) {
        db.update("idempotency_keys", Map.of("status", ANSWER_LOST), Map.of("principal", principal, "idem_key", key))
                .execute();
    }

    /** @param principal the scope @param key the key: forgets a claim whose request failed unexpectedly */
    public void release(String principal, String key) {
        db.delete("idempotency_keys", Map.of("principal", principal, "idem_key", key)).execute();
    }

    /** @return how many expired records were deleted */
    public long purgeExpired() {
        return db.execute("DELETE FROM idempotency_keys WHERE created_at < :before",
                Map.of("before", clock.instant().minus(RETENTION)));
    }
}
