package dev.weft.db;

import io.micrometer.core.instrument.MeterRegistry;
import java.util.Objects;

/**
 * One database behind a connection pool: queries with named parameters and timeouts, INSERT/UPDATE/DELETE with
 * RETURNING on every dialect, batches, bulk inserts, transactions with savepoints and retry, streaming, metrics
 * and pool status.
 *
 * {@snippet :
 * try (Database db = Database.create(DatabaseConfig.fromEnv())) {
 *     record User(long id, String email) {}
 *     Map<String, Object> created = db.insert("users", Map.of("email", "ada@example.com"))
 *             .returning("id", "email").execute().first().orElseThrow();
 *     List<User> users = db.query("SELECT id, email FROM users WHERE email = :email",
 *             Map.of("email", "ada@example.com"), User.class);
 * }
 * }
 *
 * <p>Thread-safe: share one instance per database in the application. Every operation blocks its calling
 * thread, which should be virtual; {@link #async()} offers the same operations as {@code CompletableFuture}s.
 * Callers queue for a connection in FIFO order and give up after the pool's acquire timeout, or earlier at the
 * {@link dev.weft.core.Deadline} of the work they run in, with a {@link PoolExhaustedException}; when
 * {@link PoolConfig#maxWaiting()} callers already wait, one more fails at once. While the database is known to be
 * down (see {@link #lastHealth()}), calls fail at once with {@link DatabaseUnavailableException}.
 *
 * <p>What a failed write left behind: a {@link DatabaseUnavailableException}, {@link PoolExhaustedException} or
 * {@link QueryTimeoutException} means nothing was committed; a {@link CommitOutcomeUnknownException} means the
 * connection was lost while the database may have been committing, so the write may or may not have happened.
 */
public interface Database extends SqlOperations, AutoCloseable {
    /**
     * Opens a database. Does not wait for the server: if it is down, calls fail with
     * {@link DatabaseUnavailableException} until it answers.
     *
     * @param config the config
     * @return the database; close it when done
     */
    static Database create(DatabaseConfig config) {
        return builder(config).build();
    }

    /**
     * Opens a database that publishes {@code weft.db.query} timers and HikariCP's {@code hikaricp.*} meters to
     * {@code registry}.
     *
     * @param config the config
     * @param registry the meter registry
     * @return the database; close it when done
     */
    static Database create(DatabaseConfig config, MeterRegistry registry) {
        return builder(config).meterRegistry(registry).build();
    }

    /**
     * @param config the config
     * @return a builder for a database with a meter registry and/or a shared query cache
     */
    static DatabaseBuilder builder(DatabaseConfig config) {
        return new DatabaseBuilder(Objects.requireNonNull(config, "config"));
    }

    /** @return the instance name, used in logs, metric tags and errors */
    String name();

    /** @return the database product */
    DatabaseType type();

    /** @return the config this database was opened with */
    DatabaseConfig config();

    /** @return the same operations, each as a {@code CompletableFuture} completed on a virtual thread */
    AsyncDatabase async();

    /** @return totals, percentiles, and the recent and slow operations since start */
    QueryMetrics queryMetrics();

    /** @return the connection pool's state now */
    PoolStatus poolStatus();

    /** The default bound of {@link #isHealthy()}. */
    java.time.Duration DEFAULT_HEALTH_TIMEOUT = java.time.Duration.ofSeconds(2);

    /**
     * Probes the database with a trivial query, bounded in time whatever the pool or the server do. A probe still
     * running at the timeout is interrupted (its connection, if it had one, is then discarded), so that it does not
     * stay waiting in the pool.
     *
     * @param timeout the longest the probe may take
     * @return the result; never throws
     */
    Health health(java.time.Duration timeout);

    /**
     * The health a background checker saw last, for readiness probes that must answer at once. A database opened by
     * weft on a server (PostgreSQL, MariaDB, MySQL) probes it in the background (once a second with a short-lived
     * connection of its own, outside the pool, so a saturated pool is not taken for a dead server; every 250 ms while
     * it is down) and answers from that; while it is down, calls fail at once with
     * {@link DatabaseUnavailableException} instead of waiting for a connection. A cluster answers from its checker. The
     * default, for other implementations, probes now with {@link #health(java.time.Duration)} bounded by one second.
     *
     * @return the last known health; never throws
     */
    default Health lastHealth() {
        return health(java.time.Duration.ofSeconds(1));
    }

    /** @return whether {@link #health(java.time.Duration)} succeeds within {@link #DEFAULT_HEALTH_TIMEOUT} */
    default boolean isHealthy() {
        return health(DEFAULT_HEALTH_TIMEOUT).healthy();
    }

    /**
     * @return type, server version, table count and redacted URL
     * @throws DatabaseException if the database cannot be asked
     */
    DatabaseInfo info();

    /**
     * Retires every pooled connection: idle ones are closed now, lent ones when they come back. Used after a
     * failover, so that no connection to a dead server is handed out later. New connections open on demand.
     */
    void purgePool();

    /** @return pool status and query metrics together */
    default DatabaseStats stats() {
        return new DatabaseStats(poolStatus(), queryMetrics());
    }

    /**
     * A reader of rows by a unique key that batches concurrent calls (see {@link KeyedReader}): each
     * {@link KeyedReader#find(Object) find(key)} answers as
     * {@code SELECT columns FROM table WHERE keyColumn = :key} with {@link Query#first(Class)} would, and calls
     * made at the same time through one reader share one {@code WHERE keyColumn = ANY(?)} / {@code IN (...)}
     * query. Create it once per shape and keep it. {@link DatabaseConfig#keyBatching()} turns batching off (each
     * call is then one query) and sizes it.
     *
     * @param table the table
     * @param keyColumn a column whose values are unique; it need not be among {@code columns}
     * @param keyType the key's type: {@code Long}, {@code Integer}, {@code Short}, {@code String} or {@code UUID}
     * @param rowType a record (columns matched by name, as {@link Query#list(Class)}) or a scalar for one column
     * @param columns the columns selected
     * @param <K> the key type
     * @param <T> the row type
     * @return the reader; thread-safe
     * @throws dev.weft.core.InvalidInputException for an invalid table or column name, no column, an unsupported
     *     key type or an unmappable row type (nothing is sent)
     */
    <K, T> KeyedReader<K, T> keyed(String table, String keyColumn, Class<K> keyType, Class<T> rowType,
            String... columns);

    /**
     * Lends one pooled connection, in autocommit mode, for the length of {@code work}: the way to run what must not
     * run in a transaction ({@code CREATE INDEX CONCURRENTLY}, {@code VACUUM}) or needs one session throughout (a
     * session-level lock). Nothing of weft's applies inside: no retry, no statement timeout, no writer turn on
     * SQLite, no query cache invalidation. A {@link java.sql.SQLException} comes back translated; a connection whose
     * work threw is closed, not lent again (whatever it left on the session, weft cannot tell); after work that
     * returned, weft rolls back what it left uncommitted through JDBC and restores autocommit. (A default method that
     * throws, so that an implementation of this interface outside weft still compiles.)
     *
     * @param work the work
     * @param <T> the result type
     * @return what the work returned
     * @throws DatabaseException {@code connection_in_transaction} inside {@link #inTransaction}, whose connection is
     *     the transaction's; or the translated failure of the work
     */
    default <T> T withConnection(ConnectionCallback<T> work) {
        throw new UnsupportedOperationException("withConnection is not implemented by " + getClass().getName());
    }

    /** @return the cache behind {@link Query#cached(java.time.Duration)} */
    dev.weft.cache.Cache queryCache();

    /**
     * Invalidates the cached results of every table whose name matches a glob, as the guides'
     * {@code invalidate_cache(pattern)}: {@code "users"}, {@code "user*"}, {@code "*"}.
     *
     * @param tablePattern a glob over table names ({@code *}, {@code ?})
     * @return how many table tags matched
     */
    long invalidateQueryCache(String tablePattern);

    /** Closes the pool and every connection. Idempotent. Operations after close fail. */
    @Override
    void close();
}
