package dev.weft.db;

import dev.weft.db.internal.RowMappers;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * An INSERT, UPDATE or DELETE being built from a table name and column maps. Every name is checked against
 * {@code ^[A-Za-z_][A-Za-z0-9_]{0,62}$} and quoted for the dialect; every value is bound.
 *
 * <p>With {@link #returning(String...)}, the written rows come back the same way on every dialect: by native
 * {@code RETURNING} on PostgreSQL, SQLite and MariaDB (INSERT, DELETE), and otherwise emulated inside one
 * transaction: the generated key and a re-select for INSERT, {@code SELECT ... FOR UPDATE} then the write then a
 * re-select by primary key for UPDATE, and a locking select before the DELETE. Emulated UPDATE and INSERT need a
 * primary key on the table. {@code returning("*")}, alone, returns every column.
 *
 * <p>Not thread-safe: build and run it on one thread.
 */
public final class Write {
    /** The statement kind. */
    enum Kind {
        INSERT, UPDATE, DELETE
    }

    private final TableWrites writes;
    private final Connections connections;
    private final Kind kind;
    private final String table;
    private final Map<String, ?> data;
    private final Map<String, ?> where;
    private List<String> returning = List.of();
    private @Nullable Duration timeout;
    private boolean retry;

    Write(TableWrites writes, Connections connections, Kind kind, String table, Map<String, ?> data,
            Map<String, ?> where) {
        this.writes = writes;
        this.connections = connections;
        this.kind = kind;
        this.table = Objects.requireNonNull(table, "table");
        this.data = Objects.requireNonNull(data, "data");
        this.where = Objects.requireNonNull(where, "where");
    }

    /**
     * @param columns the columns to return from each written row, or {@code "*"} alone for all of them
     * @return this
     */
    public Write returning(String... columns) {
        this.returning = List.of(columns);
        return this;
    }

    /**
     * @param columns the columns to return from each written row, or {@code "*"} alone for all of them
     * @return this
     */
    public Write returning(List<String> columns) {
        this.returning = List.copyOf(columns);
        return this;
    }

    /**
     * @param value the longest each statement may run
     * @return this
     */
    public Write timeout(Duration value) {
        this.timeout = Objects.requireNonNull(value, "value");
        return this;
    }

    /**
     * @param enabled retry transient faults; off by default for writes, since a write whose connection dropped
     *     may have been applied
     * @return this
     */
    public Write retry(boolean enabled) {
        this.retry = enabled;
        return this;
    }

    /**
     * @return the count and the returned rows as maps
     * @throws dev.weft.core.InvalidInputException for an invalid identifier or value (nothing is sent)
     * @throws ConstraintViolationException for a unique or foreign-key violation
     */
    public WriteResult<Map<String, Object>> execute() {
        return execute(RowMappers.maps());
    }

    /**
     * @param type a record type for the returned rows
     * @param <T> the row type
     * @return the count and the returned rows
     */
    public <T> WriteResult<T> execute(Class<T> type) {
        return execute(RowMappers.of(type));
    }

    /**
     * @param mapper maps each returned row
     * @param <T> the row type
     * @return the count and the returned rows
     */
    public <T> WriteResult<T> execute(RowMapper<T> mapper) {
        return writes.write(connections, kind, table, data, where, returning, timeout, retry, mapper);
    }
}
