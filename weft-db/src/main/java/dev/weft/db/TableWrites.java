package dev.weft.db;

import dev.weft.core.InvalidInputException;
import dev.weft.db.internal.Dialect;
import dev.weft.db.internal.Identifiers;
import dev.weft.db.internal.ValueBinder;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Runs a {@link Write}: checks the names and values, builds the SQL ({@link WriteSql}), and runs it with native
 * {@code RETURNING} where the dialect has it, else through {@link EmulatedReturning} in one transaction. Every
 * statement goes through the {@link StatementRunner}. Thread-safe.
 */
final class TableWrites {
    private final Dialect dialect;
    private final WriteSql sql;
    private final StatementRunner runner;
    private final EmulatedReturning emulation;
    private final QueryCacheBinding cache;

    TableWrites(Dialect dialect, WriteSql sql, StatementRunner runner, EmulatedReturning emulation,
            QueryCacheBinding cache) {
        this.dialect = dialect;
        this.sql = sql;
        this.runner = runner;
        this.emulation = emulation;
        this.cache = cache;
    }

    <T> WriteResult<T> write(Connections connections, Write.Kind kind, String table, Map<String, ?> data,
            Map<String, ?> where, List<String> returning, @Nullable Duration timeout, boolean retry,
            RowMapper<T> mapper) {
        String quotedTable = sql.quote(Identifiers.check("table", table));
        checkColumns("column", data);
        checkColumns("where column", where);
        if (!returning.equals(WriteSql.EVERY_COLUMN)) {
            for (String column : returning) {
                Identifiers.check("returning column", column);
            }
        }
        String verb = kind.name().toLowerCase(Locale.ROOT);
        if (kind != Write.Kind.DELETE && data.isEmpty()) {
            throw new InvalidInputException("empty_write", "data", verb + " into " + table
                    + " has no columns to write");
        }
        if (kind != Write.Kind.INSERT && where.isEmpty()) {
            throw new InvalidInputException("missing_where", "where", verb + " of " + table
                    + " without a where condition is refused; use execute() for a deliberate full-table write");
        }
        Duration effective = runner.timeouts().watchdog(timeout);
        Duration lifted = runner.timeouts().sessionLift(timeout);
        String statement = sql.statement(kind, quotedTable, data, where);
        List<@Nullable Object> values = WriteSql.values(data, where);
        OperationLog log = runner.log();
        Operation operation = log.begin(verb, statement);
        try {
            WriteResult<T> result;
            if (returning.isEmpty()) {
                result = connections.run(operation, retry, pooled -> runner.timeouts().withSessionTimeout(pooled,
                        lifted, connection -> new WriteResult<T>(
                                runner.executeBound(connection, statement, values, effective, operation), List.of())));
            } else if (dialect.nativeReturning(Dialect.WriteKind.valueOf(kind.name()))) {
                String withReturning = statement + " RETURNING " + sql.returningList(returning);
                result = connections.run(operation, retry, pooled -> runner.timeouts().withSessionTimeout(pooled,
                        lifted, connection -> {
                    List<T> rows = runner.queryBound(connection, withReturning, values, effective, operation, mapper);
                    return new WriteResult<>(rows.size(), rows);
                }));
            } else {
                result = connections.runAtomically(operation, retry, pooled -> runner.timeouts().withSessionTimeout(
                        pooled, lifted, connection -> switch (kind) {
                    case INSERT -> emulation.insert(connection, table, quotedTable, statement, data, returning,
                            effective, operation, mapper);
                    case UPDATE -> emulation.update(connection, table, quotedTable, data, where, returning,
                            effective, operation, mapper);
                    case DELETE -> emulation.delete(connection, quotedTable, statement, where, returning, effective,
                            operation, mapper);
                }));
            }
            log.succeeded(operation, result.count());
            cache.invalidateAfter(connections, WriteTags.tableTag(table));
            return result;
        } catch (RuntimeException e) {
            throw log.failed(operation, e);
        }
    }

    private static void checkColumns(String role, Map<String, ?> columns) {
        for (Map.Entry<String, ?> entry : columns.entrySet()) {
            Identifiers.check(role, entry.getKey());
            ValueBinder.checkColumn(entry.getKey(), entry.getValue());
        }
    }
}
