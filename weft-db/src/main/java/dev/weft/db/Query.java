package dev.weft.db;

import dev.weft.db.internal.RowMappers;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * A statement being built: SQL text with {@code :name} placeholders, its values, and options. End it with one
 * terminal call ({@link #list(Class)}, {@link #one(Class)}, {@link #optional(Class)}, {@link #first(Class)},
 * {@link #stream(Class)},
 * {@link #execute()}). Parameters are checked against the placeholders before any connection is taken: a
 * missing or unknown one is an {@link dev.weft.core.InvalidInputException} naming it.
 *
 * <p>Not thread-safe: build and run it on one thread.
 */
public final class Query {
    private final StatementRunner runner;
    private final QueryCacheBinding cache;
    private final Connections connections;
    private final String sql;
    private final Map<String, @Nullable Object> params = new LinkedHashMap<>();
    private @Nullable Duration timeout;
    private int fetchSize;
    private @Nullable Boolean retry;
    private @Nullable Duration cacheTtl;
    private @Nullable String cacheKey;
    private java.util.@Nullable Set<String> cacheTables;

    Query(DatabaseStages stages, Connections connections, String sql) {
        this.runner = stages.statements();
        this.cache = stages.cache();
        this.connections = connections;
        this.sql = Objects.requireNonNull(sql, "sql");
    }

    /**
     * @param name a placeholder's name, without the colon
     * @param value its value; {@code null} binds SQL NULL
     * @return this
     */
    public Query bind(String name, @Nullable Object value) {
        params.put(Objects.requireNonNull(name, "name"), value);
        return this;
    }

    /**
     * @param values placeholder name to value
     * @return this
     */
    public Query bind(Map<String, ?> values) {
        Objects.requireNonNull(values, "values").forEach((name, value) -> bind(name, value));
        return this;
    }

    /**
     * @param value the longest this statement may run before it is cancelled with a
     *     {@link QueryTimeoutException}; overrides the database's statement timeout
     * @return this
     */
    public Query timeout(Duration value) {
        if (Objects.requireNonNull(value, "value").isNegative()) {
            throw new dev.weft.core.InvalidInputException("invalid_timeout", "timeout", "timeout must not be negative");
        }
        this.timeout = value;
        return this;
    }

    /**
     * @param rows rows per round trip when streaming or reading large results
     * @return this
     */
    public Query fetchSize(int rows) {
        if (rows < 1) {
            throw new dev.weft.core.InvalidInputException("invalid_fetch_size", "fetchSize", "fetch size must be >= 1");
        }
        this.fetchSize = rows;
        return this;
    }

    /**
     * @param enabled whether transient faults are retried; by default reads ({@code list}, {@code one},
     *     {@code optional}) are and {@link #execute()} is not
     * @return this
     */
    public Query retry(boolean enabled) {
        this.retry = enabled;
        return this;
    }

    /**
     * Serves this read from the database's query cache for {@code ttl}, under a key derived from the SQL text,
     * the parameter values and the row type. The entry is tagged with the tables the statement reads: declared
     * with {@link #tables(String...)}, or found by a conservative parse that refuses anything it cannot read
     * surely ({@code cache_tables_unknown}). Every write through weft to one of those tables invalidates it; a
     * write weft cannot attribute to a table invalidates every cached query. Inside a transaction the cache is
     * bypassed (neither read nor filled), so a transaction always sees its own writes.
     *
     * @param ttl how long the result may be served
     * @return this
     */
    public Query cached(Duration ttl) {
        this.cacheTtl = Objects.requireNonNull(ttl, "ttl");
        return this;
    }

    /**
     * Like {@link #cached(Duration)} with an explicit key, as the guides' {@code cache_key}.
     *
     * @param key the cache key
     * @param ttl how long the result may be served
     * @return this
     */
    public Query cached(String key, Duration ttl) {
        this.cacheKey = Objects.requireNonNull(key, "key");
        return cached(ttl);
    }

    /**
     * @param tables the tables this read depends on, for the query cache's invalidation
     * @return this
     */
    public Query tables(String... tables) {
        this.cacheTables = java.util.Set.of(tables);
        return this;
    }

    /** @return the rows, each a map from lower-case column label to value */
    @SuppressWarnings("unchecked")
    public List<Map<String, Object>> list() {
        if (cacheTtl != null && cache.cache().tierStats().containsKey("redis")) {
            // JSON round trips change map values' types (Long to Integer, timestamps to text): a hit would not
            // return what a miss did.
            throw new dev.weft.core.InvalidInputException("cache_needs_type", "cached", "a query cached in Redis "
                    + "needs a row type: use list(Class) with a record or a scalar type");
        }
        if (cacheTtl != null) {
            return cachedList((Class<Map<String, Object>>) (Class<?>) Map.class, RowMappers.maps());
        }
        return list(RowMappers.maps());
    }

    /**
     * @param type a record or scalar type
     * @param <T> the row type
     * @return the rows mapped to {@code type}
     */
    public <T> List<T> list(Class<T> type) {
        if (cacheTtl != null) {
            return cachedList(type, RowMappers.of(type));
        }
        return list(RowMappers.of(type));
    }

    private <T> List<T> cachedList(Class<T> type, RowMapper<T> mapper) {
        Duration ttl = Objects.requireNonNull(cacheTtl, "cacheTtl");
        StatementSpec spec = spec(true);
        return cache.cachedList(connections, spec, type, cacheKey, ttl, cacheTables,
                () -> runner.list(connections, spec, mapper));
    }

    /**
     * @param mapper maps each row
     * @param <T> the row type
     * @return the mapped rows
     */
    public <T> List<T> list(RowMapper<T> mapper) {
        if (cacheTtl != null) {
            throw new dev.weft.core.InvalidInputException("cache_needs_type", "cached",
                    "a cached query needs a row type to store its rows: use list(Class) or list()");
        }
        return runner.list(connections, spec(true), Objects.requireNonNull(mapper, "mapper"));
    }

    /**
     * @param type a record or scalar type
     * @param <T> the row type
     * @return the single row
     * @throws dev.weft.core.NotFoundException if there is no row
     * @throws DatabaseException (code {@code too_many_rows}) if there is more than one
     */
    public <T> T one(Class<T> type) {
        List<T> rows = list(type);
        if (rows.isEmpty()) {
            throw new dev.weft.core.NotFoundException("not_found", "the query returned no row");
        }
        checkAtMostOne(rows);
        return rows.getFirst();
    }

    /**
     * The row of a query that finds at most one (by a primary or unique key), as Spring's
     * {@code JdbcClient...optional()} and Jdbi's {@code findOne()}; {@link #first(Class)} is the first of many.
     *
     * @param type a record or scalar type
     * @param <T> the row type
     * @return the row, or empty if there is none (or it is a NULL scalar)
     * @throws DatabaseException (code {@code too_many_rows}) if there is more than one
     */
    public <T> Optional<T> optional(Class<T> type) {
        List<T> rows = list(type);
        checkAtMostOne(rows);
        return rows.isEmpty() ? Optional.empty() : Optional.ofNullable(rows.getFirst());
    }

    /**
     * The first row in the query's order, the others read and dropped: add {@code LIMIT 1} to the SQL when there may
     * be many.
     *
     * @param type a record or scalar type
     * @param <T> the row type
     * @return the first row, or empty if there is none (or it is a NULL scalar)
     */
    public <T> Optional<T> first(Class<T> type) {
        List<T> rows = list(type);
        return rows.isEmpty() ? Optional.empty() : Optional.ofNullable(rows.getFirst());
    }

    private void checkAtMostOne(List<?> rows) {
        if (rows.size() > 1) {
            String shown = sql.strip().replaceAll("\\s+", " ");
            throw new DatabaseException(dev.weft.core.ErrorKind.INTERNAL, "too_many_rows", "the query returned "
                    + rows.size() + " rows where at most one was expected: " + (shown.length() <= 200 ? shown
                            : shown.substring(0, 200) + "..."), null, false, null);
        }
    }

    /**
     * Streams the rows over a server-side cursor (PostgreSQL: a portal inside a transaction; MariaDB/MySQL: a
     * streaming result set). Holds a connection until closed or fully read.
     *
     * @param type a record or scalar type
     * @param <T> the row type
     * @return an open stream; close it with try-with-resources
     */
    public <T> Stream<T> stream(Class<T> type) {
        return stream(RowMappers.of(type));
    }

    /**
     * @param mapper maps each row
     * @param <T> the row type
     * @return an open stream; close it with try-with-resources
     */
    public <T> Stream<T> stream(RowMapper<T> mapper) {
        return runner.stream(connections, spec(false), Objects.requireNonNull(mapper, "mapper"));
    }

    /** @return the number of rows affected */
    public long execute() {
        return runner.update(connections, spec(false));
    }

    private StatementSpec spec(boolean read) {
        return runner.spec(sql, params, timeout, fetchSize, retry, read);
    }
}
