package dev.weft.service.data;

import dev.weft.db.Database;
import dev.weft.db.DatabaseType;
import dev.weft.db.KeyedReader;
import dev.weft.db.SqlOperations;
import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * The {@code users} table with the guides' queries ({@code get_by_api_key}, {@code get_by_email},
 * {@code get_active_users}, {@code get_user_stats}) and the service's CRUD. Every write takes the
 * {@link SqlOperations} it runs on (the database, or the caller's open transaction): see the package's rule.
 *
 * <p>Thread-safe; every method blocks on the database.
 */
public final class UserRepository {
    /** Columns {@code order_by} may name. */
    public static final Set<String> ORDER_COLUMNS = Set.of("id", "email", "username", "full_name", "credits",
            "is_active", "created_at", "updated_at");
    /** The columns of {@link #ORDER_COLUMNS} that may be {@code NULL}. */
    private static final Set<String> NULLABLE_COLUMNS = Set.of("full_name");
    static final String COLUMNS = "id, email, username, full_name, is_active, credits, created_at, updated_at";

    private static final String[] COLUMN_NAMES = COLUMNS.split(", ");

    private final Database db;
    private final Clock clock;
    private final boolean eventLog;
    /** Reads by id and by key hash: weft-db sends concurrent reads of one shape as one query. */
    private final KeyedReader<Long, UserRow> byId;
    private final KeyedReader<String, UserRow> byApiKeyHash;

    /**
     * Reads and writes through {@code db}; weft-db gives SQLite writers their turns, so this repository needs no
     * writers' queue of its own.
     *
     * @param db the database
     * @param clock the clock
     */
    public UserRepository(Database db, Clock clock) {
        this(db, clock, true);
    }

    /**
     * As {@link #UserRepository(Database, Clock)}, for a schema that may lack the video event log (a service
     * without the videos feature, whose migrations create it).
     *
     * @param db the database
     * @param clock the clock
     * @param eventLog whether the schema has the videos feature's tables ({@code video_events} and the webhook
     *     tables), whose rows a user's delete removes
     */
    public UserRepository(Database db, Clock clock, boolean eventLog) {
        this.eventLog = eventLog;
        this.db = Objects.requireNonNull(db, "db");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.byId = db.keyed("users", "id", Long.class, UserRow.class, COLUMN_NAMES);
        this.byApiKeyHash = db.keyed("users", "api_key_hash", String.class, UserRow.class, COLUMN_NAMES);
    }

    /**
     * A user to insert.
     *
     * @param email the address
     * @param username the username
     * @param fullName the full name or {@code null}
     * @param credits the starting balance
     * @param apiKeyHash the SHA-256 of the user's key, hex
     */
    public record NewUser(String email, String username, @Nullable String fullName, long credits, String apiKeyHash) {
    }

    /**
     * @param ops the database or an open transaction
     * @param user the user
     * @return the stored row
     * @throws dev.weft.db.ConstraintViolationException for a duplicate email or username
     */
    public UserRow insert(SqlOperations ops, NewUser user) {
        Instant now = clock.instant();
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("email", user.email());
        row.put("username", user.username());
        row.put("full_name", user.fullName());
        row.put("api_key_hash", user.apiKeyHash());
        row.put("is_active", true);
        row.put("credits", user.credits());
        row.put("created_at", now);
        row.put("updated_at", now);
        return ops.insert("users", row).returning(COLUMN_NAMES).execute(UserRow.class).rows()
                .getFirst();
    }

    /**
     * @param id the id
     * @return the user; concurrent calls share one query
     */
    public Optional<UserRow> findById(long id) {
        return byId.find(id);
    }

    /**
     * @param apiKeyHash the key's SHA-256, hex
     * @return the active or inactive user with that key; concurrent calls share one query
     */
    public Optional<UserRow> getByApiKey(String apiKeyHash) {
        return byApiKeyHash.find(apiKeyHash);
    }

    /** @param email an address, any case @return the user with that address, compared case-insensitively */
    public Optional<UserRow> getByEmail(String email) {
        return db.query("SELECT " + COLUMNS + " FROM users WHERE lower(email) = :email",
                Map.of("email", email.toLowerCase(Locale.ROOT))).optional(UserRow.class);
    }

    /** @param limit rows @param offset rows skipped @return active users, oldest first */
    public List<UserRow> getActiveUsers(int limit, long offset) {
        return list(new Page(limit, offset, "id", false), true);
    }

    /**
     * @param page the page
     * @param isActive only users in this state, or {@code null} for all
     * @return the page's users
     */
    public List<UserRow> list(Page page, @Nullable Boolean isActive) {
        Map<String, Object> params = new HashMap<>();
        params.put("limit", page.limit());
        params.put("offset", page.offset());
        String where = "";
        if (isActive != null) {
            where = " WHERE is_active = :active";
            params.put("active", isActive);
        }
        return db.query("SELECT " + COLUMNS + " FROM users" + where + page.orderSql("id", NULLABLE_COLUMNS)
                + " LIMIT :limit OFFSET :offset", params).list(UserRow.class);
    }

    /** @param isActive only users in this state, or {@code null} @return how many users there are */
    public long count(@Nullable Boolean isActive) {
        if (isActive == null) {
            return db.query("SELECT COUNT(*) FROM users", Map.of()).one(Long.class);
        }
        return db.query("SELECT COUNT(*) FROM users WHERE is_active = :active", Map.of("active", isActive))
                .one(Long.class);
    }

    /**
     * Streams users over a cursor; close the stream.
     *
     * @param isActive only users in this state, or {@code null}
     * @return an open stream ordered by id
     */
    public Stream<UserRow> stream(@Nullable Boolean isActive) {
        if (isActive == null) {
            return db.stream("SELECT " + COLUMNS + " FROM users ORDER BY id", Map.of(), 500, UserRow.class);
        }
        return db.stream("SELECT " + COLUMNS + " FROM users WHERE is_active = :active ORDER BY id",
                Map.of("active", isActive), 500, UserRow.class);
    }

    /**
     * @param ops the database or an open transaction
     * @param id the user
     * @param changes column to new value (email, username, full_name, is_active, credits)
     * @return the updated user, or empty if there is none
     */
    public Optional<UserRow> update(SqlOperations ops, long id, Map<String, ?> changes) {
        Map<String, Object> data = new LinkedHashMap<>(changes);
        data.put("updated_at", clock.instant());
        return ops.update("users", data, Map.of("id", id)).returning(COLUMN_NAMES)
                .execute(UserRow.class).first();
    }

    /**
     * A user's key as stored.
     *
     * @param id the user
     * @param apiKeyHash the SHA-256 of its key, hex; {@code null} for a user stored without one
     */
    public record StoredKey(long id, @Nullable String apiKeyHash) {
    }

    /**
     * @param ops the database or an open transaction
     * @param id the user
     * @return the user's stored key, or empty if there is no such user
     */
    public Optional<StoredKey> storedKey(SqlOperations ops, long id) {
        return ops.query("SELECT id, api_key_hash FROM users WHERE id = :id", Map.of("id", id))
                .optional(StoredKey.class);
    }

    /**
     * Replaces a user's key, if it is still the one the caller read (two rotations at once: one wins, the other
     * reads again), so that the caller knows exactly which key's cached principal to drop.
     *
     * @param ops the database or an open transaction
     * @param id the user
     * @param oldHash the hash read before; {@code null} for a user that had no key
     * @param newHash the new key's hash
     * @return whether the key was replaced
     */
    public boolean replaceApiKey(SqlOperations ops, long id, @Nullable String oldHash, String newHash) {
        Map<String, @Nullable Object> where = new HashMap<>();
        where.put("id", id);
        where.put("api_key_hash", oldHash); // null matches IS NULL
        return ops.update("users", Map.of("api_key_hash", newHash, "updated_at", clock.instant()), where).execute()
                .count() > 0;
    }

    /**
     * Deletes a user; its videos, jobs and usage go by cascade, its events, webhooks, deliveries and attempts
     * explicitly ({@link VideoEventRepository#deleteUser}).
     *
     * @param ops an open transaction (the user and its events go together)
     * @param id the user
     * @return whether a user was deleted
     */
    public boolean delete(SqlOperations ops, long id) {
        boolean deleted = ops.delete("users", Map.of("id", id)).execute().count() > 0;
        if (deleted && eventLog) {
            VideoEventRepository.deleteUser(ops, id);
            // the same feature's migration 9: webhooks and their outbox have no foreign keys either
            Map<String, Object> user = Map.of("user_id", id);
            ops.execute("DELETE FROM webhook_attempts WHERE delivery_id IN"
                    + " (SELECT delivery_id FROM webhook_deliveries WHERE user_id = :user_id)", user);
            ops.execute("DELETE FROM webhook_deliveries WHERE user_id = :user_id", user);
            ops.execute("DELETE FROM webhooks WHERE user_id = :user_id", user);
        }
        return deleted;
    }

    /**
     * The guides' {@code get_user_stats}.
     *
     * @param id the user
     * @return the stats, or empty if there is no such user
     */
    public Optional<UserStats> getUserStats(long id) {
        return db.query("SELECT u.id AS user_id,"
                + " (SELECT COUNT(*) FROM videos v WHERE v.user_id = u.id) AS video_count,"
                + " (SELECT COUNT(*) FROM videos v WHERE v.user_id = u.id AND v.status = 'completed')"
                + " AS completed_videos,"
                + " (SELECT COUNT(*) FROM videos v WHERE v.user_id = u.id AND v.status = 'failed') AS failed_videos,"
                + " (SELECT COALESCE(SUM(m.processing_ms), 0) FROM model_usage m WHERE m.user_id = u.id)"
                + " AS total_processing_ms,"
                + " u.credits AS credits FROM users u WHERE u.id = :id", Map.of("id", id)).optional(UserStats.class);
    }

    /**
     * Locks two users' rows in id order and returns their balances: {@code SELECT ... FOR UPDATE} on PostgreSQL and
     * MariaDB/MySQL; SQLite's immediate transactions already serialise writers.
     *
     * @param ops an open transaction
     * @param type the dialect
     * @param first the smaller id
     * @param second the larger id
     * @return id to balance for the users that exist
     */
    public Map<Long, Long> lockBalances(SqlOperations ops, DatabaseType type, long first, long second) {
        String lock = type == DatabaseType.SQLITE ? "" : " FOR UPDATE";
        Map<Long, Long> balances = new HashMap<>();
        for (long id : new long[] {first, second}) {
            // one statement per row, in id order, so two transfers over the same pair never lock in opposite orders
            ops.query("SELECT id, credits FROM users WHERE id = :id" + lock, Map.of("id", id)).list(Balance.class)
                    .forEach(balance -> balances.put(balance.id(), balance.credits()));
        }
        return balances;
    }

    /**
     * @param ops an open transaction
     * @param id the user
     * @param delta the change of balance
     * @return the new balance
     */
    public long addCredits(SqlOperations ops, long id, long delta) {
        ops.execute("UPDATE users SET credits = credits + :delta, updated_at = :now WHERE id = :id",
                Map.of("delta", delta, "now", clock.instant(), "id", id));
        return ops.query("SELECT credits FROM users WHERE id = :id", Map.of("id", id)).one(Long.class);
    }

    /** A balance. @param id the user @param credits the balance */
    public record Balance(long id, long credits) {
    }
}
