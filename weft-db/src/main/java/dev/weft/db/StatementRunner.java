package dev.weft.db;

import dev.weft.db.internal.Dialect;
import dev.weft.db.internal.NamedSql;
import dev.weft.db.internal.RowMappers;
import dev.weft.db.internal.StatementWatchdog;
import dev.weft.db.internal.ValueBinder;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.jspecify.annotations.Nullable;

/**
 * Runs one statement: builds its {@link StatementSpec} (parse, parameter check, timeouts), binds the values, runs
 * it under the {@link StatementWatchdog} and reads the rows, on a connection its caller's {@link Connections}
 * supply. {@link Query}, {@link TableWrites}, {@link BatchWrites}, {@link EmulatedReturning}, the transactions and
 * the health probe all run their SQL through it. Thread-safe.
 */
final class StatementRunner {
    private final Dialect dialect;
    private final StatementTimeouts timeouts;
    private final StatementWatchdog watchdog;
    private final OperationLog log;
    private final ErrorTranslator errors;
    private final WriteTags writeTags;
    private final QueryCacheBinding cache;

    StatementRunner(Dialect dialect, StatementTimeouts timeouts, StatementWatchdog watchdog, OperationLog log,
            ErrorTranslator errors, WriteTags writeTags, QueryCacheBinding cache) {
        this.dialect = dialect;
        this.timeouts = timeouts;
        this.watchdog = watchdog;
        this.log = log;
        this.errors = errors;
        this.writeTags = writeTags;
        this.cache = cache;
    }

    /**
     * @param retry the caller's explicit choice, or {@code null}: then reads retry and anything that writes (an
     *     INSERT ... RETURNING run as a query, say) does not, since a write whose connection dropped may have run
     */
    StatementSpec spec(String sql, Map<String, @Nullable Object> params, @Nullable Duration timeout, int fetchSize,
            @Nullable Boolean retry, boolean read) {
        boolean retries = retry != null ? retry : read && !writeTags.writes(sql);
        return spec(sql, params, timeout, fetchSize, retries);
    }

    StatementSpec spec(String sql, Map<String, @Nullable Object> params, @Nullable Duration timeout, int fetchSize,
            boolean retry) {
        NamedSql parsed = NamedSql.parse(sql, dialect.backslashEscapes(), dialect.doubledQuestionMark());
        parsed.checkParameters(params);
        Map<String, @Nullable Object> bound = params;
        if (NamedSql.hasList(params)) {
            NamedSql.Expanded expanded = parsed.expand(params, dialect.backslashEscapes(),
                    dialect.doubledQuestionMark());
            parsed = expanded.sql();
            bound = expanded.values();
        }
        bound.forEach(ValueBinder::check);
        return new StatementSpec(parsed, bound, timeouts.watchdog(timeout), timeouts.sessionLift(timeout), fetchSize,
                retry);
    }

    <T> List<T> list(Connections connections, StatementSpec spec, RowMapper<T> mapper) {
        Operation operation = log.begin("query", spec.sql().sql());
        try {
            List<T> rows = connections.run(operation, spec.retry(), connection ->
                    timeouts.withSessionTimeout(connection, spec.sessionTimeout(), lifted -> {
                try (PreparedStatement statement = lifted.prepareStatement(spec.sql().jdbcSql())) {
                    if (spec.fetchSize() > 0) {
                        statement.setFetchSize(spec.fetchSize());
                    }
                    ValueBinder.bindAll(statement, spec.sql(), spec.params(), dialect);
                    return watched(statement, spec.timeout(), operation, () -> {
                        try (ResultSet result = statement.executeQuery()) {
                            return readAll(result, mapper);
                        }
                    });
                }
            }));
            log.succeeded(operation, rows.size());
            cache.invalidateAfter(connections, writeTags.of(spec.sql().sql()));
            return rows;
        } catch (RuntimeException e) {
            throw log.failed(operation, e);
        }
    }

    long update(Connections connections, StatementSpec spec) {
        Operation operation = log.begin("execute", spec.sql().sql());
        try {
            long count = connections.run(operation, spec.retry(), connection ->
                    timeouts.withSessionTimeout(connection, spec.sessionTimeout(), lifted -> {
                try (PreparedStatement statement = lifted.prepareStatement(spec.sql().jdbcSql())) {
                    ValueBinder.bindAll(statement, spec.sql(), spec.params(), dialect);
                    return watched(statement, spec.timeout(), operation, () -> (long) statement.executeUpdate());
                }
            }));
            log.succeeded(operation, count);
            cache.invalidateAfter(connections, writeTags.of(spec.sql().sql()));
            return count;
        } catch (RuntimeException e) {
            throw log.failed(operation, e);
        }
    }

    /** Binds the values of SQL built by weft, on the connection it runs on (PostgreSQL arrays need it). */
    @FunctionalInterface
    interface Binder {
        void bind(Connection connection, PreparedStatement statement) throws SQLException;
    }

    /** Reads every row of a result. */
    @FunctionalInterface
    interface ResultReader<T> {
        List<T> read(ResultSet result) throws SQLException;
    }

    /**
     * Runs a read built by weft (a key batch) through the same stages as {@link #list}: the operation log and
     * metrics, the connections' retry of transient faults, the writer turn, the watchdog at the default timeout.
     *
     * @param keys how many keys the batch reads, for its trace span
     */
    <T> List<T> listBuilt(Connections connections, String sql, int keys, Binder binder, ResultReader<T> reader) {
        Operation operation = log.begin("query", sql);
        log.batchSize(operation, keys);
        try {
            List<T> rows = connections.run(operation, true, connection -> {
                try (PreparedStatement statement = connection.prepareStatement(sql)) {
                    binder.bind(connection, statement);
                    return watched(statement, timeouts.watchdog(null), operation, () -> {
                        try (ResultSet result = statement.executeQuery()) {
                            return reader.read(result);
                        }
                    });
                }
            });
            log.succeeded(operation, rows.size());
            return rows;
        } catch (RuntimeException e) {
            throw log.failed(operation, e);
        }
    }

    /** Opens a server-side cursor on a borrowed connection; the stream gives the connection back when closed. */
    <T> Stream<T> stream(Connections connections, StatementSpec spec, RowMapper<T> mapper) {
        Operation operation = log.begin("stream", spec.sql().sql());
        Connections.Borrowed borrowed;
        try {
            borrowed = connections.borrow(operation);
        } catch (RuntimeException e) {
            throw log.failed(operation, e);
        }
        RowCursor<T> cursor = new RowCursor<>(this, operation, borrowed);
        try {
            cursor.open(spec, mapper);
        } catch (SQLException e) {
            DatabaseException translated = errors.translate(e, operation);
            cursor.closeQuietly(translated); // records the failure
            throw translated;
        } catch (RuntimeException | Error e) {
            cursor.closeQuietly(e);
            throw e;
        }
        return StreamSupport.stream(cursor, false).onClose(cursor::close);
    }

    /** Runs positional SQL built by weft (write SQL, emulated RETURNING) and returns the update count. */
    long executeBound(Connection connection, String sql, List<? extends @Nullable Object> values, Duration timeout,
            Operation operation) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            bindPositional(statement, values);
            return watched(statement, timeout, operation, () -> (long) statement.executeUpdate());
        }
    }

    /** Runs positional SQL built by weft and maps its rows. */
    <T> List<T> queryBound(Connection connection, String sql, List<? extends @Nullable Object> values,
            Duration timeout, Operation operation, RowMapper<T> mapper) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            bindPositional(statement, values);
            return watched(statement, timeout, operation, () -> {
                try (ResultSet result = statement.executeQuery()) {
                    return readAll(result, mapper);
                }
            });
        }
    }

    void bindPositional(PreparedStatement statement, List<? extends @Nullable Object> values) throws SQLException {
        for (int i = 0; i < values.size(); i++) {
            ValueBinder.bind(statement, i + 1, "value " + (i + 1), values.get(i), dialect);
        }
    }

    /** The part of a statement's work that the watchdog guards. */
    @FunctionalInterface
    interface StatementBody<T> {
        T run() throws SQLException;
    }

    /** Runs a statement under the watchdog; marks the operation if the timeout fired. */
    <T> T watched(Statement statement, Duration timeout, Operation operation, StatementBody<T> body)
            throws SQLException {
        StatementWatchdog.Guard guard = watchdog.watch(statement, timeout);
        T result;
        try {
            result = body.run();
        } finally {
            guard.close();
            if (guard.fired()) {
                operation.timedOutAfter = timeout;
                operation.broken = true;
            }
        }
        if (guard.fired()) {
            // Some servers answer a cancelled statement normally (MariaDB's SLEEP returns 1): the result of a
            // statement that outlived its timeout is not trusted.
            throw new SQLException("statement cancelled by its timeout", "57014");
        }
        return result;
    }

    private static <T> List<T> readAll(ResultSet result, RowMapper<T> mapper) throws SQLException {
        RowMapper<T> bound = RowMappers.bind(mapper, result);
        List<T> rows = new ArrayList<>();
        while (result.next()) {
            rows.add(bound.map(result));
        }
        return rows;
    }

    Dialect dialect() {
        return dialect;
    }

    StatementTimeouts timeouts() {
        return timeouts;
    }

    OperationLog log() {
        return log;
    }

    ErrorTranslator errors() {
        return errors;
    }
}
