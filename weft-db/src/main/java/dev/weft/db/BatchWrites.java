package dev.weft.db;

import dev.weft.core.InvalidInputException;
import dev.weft.db.internal.Dialect;
import dev.weft.db.internal.Identifiers;
import dev.weft.db.internal.NamedSql;
import dev.weft.db.internal.PgCopy;
import dev.weft.db.internal.ValueBinder;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Runs a {@link Batch} (one statement per parameter map) and a {@link BulkInsert} (rows into one table, by
 * {@code COPY} on PostgreSQL), each atomically in chunks on one connection its caller's {@link Connections} supply.
 * Thread-safe.
 */
final class BatchWrites {
    private final Dialect dialect;
    private final WriteSql sql;
    private final OperationLog log;
    private final WriteTags writeTags;
    private final QueryCacheBinding cache;

    BatchWrites(Dialect dialect, WriteSql sql, OperationLog log, WriteTags writeTags, QueryCacheBinding cache) {
        this.dialect = dialect;
        this.sql = sql;
        this.log = log;
        this.writeTags = writeTags;
        this.cache = cache;
    }

    long batch(Connections connections, String statementSql, List<? extends Map<String, ?>> rows, int chunkSize) {
        NamedSql parsed = NamedSql.parse(statementSql, dialect.backslashEscapes(), dialect.doubledQuestionMark());
        if (dev.weft.db.internal.SqlTables.hasReturning(statementSql, dialect.backslashEscapes())) {
            // JDBC batches answer counts: each driver did something else with the rows (pgjdbc counted 0,
            // MariaDB's threw a ClassCastException)
            throw new InvalidInputException("invalid_sql", "sql", "a batch returns counts, not rows: RETURNING is not "
                    + "supported in batch(); use insert(...).returning(...) or a query per row");
        }
        for (int i = 0; i < rows.size(); i++) {
            Map<String, ?> row = rows.get(i);
            try {
                parsed.checkParameters(row);
                row.forEach(ValueBinder::check);
            } catch (InvalidInputException e) {
                throw new InvalidInputException(e.code(), "rows[" + i + "]." + e.field(),
                        "batch row " + i + ": " + e.getMessage());
            }
        }
        Operation operation = log.begin("batch", statementSql);
        if (rows.isEmpty()) {
            log.succeeded(operation, 0);
            return 0;
        }
        try {
            long total = connections.runAtomically(operation, false, connection -> {
                long affected = 0;
                try (PreparedStatement statement = connection.prepareStatement(parsed.jdbcSql())) {
                    int pending = 0;
                    for (Map<String, ?> row : rows) {
                        ValueBinder.bindAll(statement, parsed, row, dialect);
                        statement.addBatch();
                        if (++pending == chunkSize) {
                            affected += sum(statement.executeBatch());
                            pending = 0;
                        }
                    }
                    if (pending > 0) {
                        affected += sum(statement.executeBatch());
                    }
                }
                return affected;
            });
            log.succeeded(operation, total);
            cache.invalidateAfter(connections, writeTags.of(statementSql));
            return total;
        } catch (RuntimeException e) {
            throw log.failed(operation, e);
        }
    }

    long bulkInsert(Connections connections, String table, List<String> columns, Iterable<? extends List<?>> rows,
            int chunkSize, boolean copy) {
        String quotedTable = sql.quote(Identifiers.check("table", table));
        if (columns.isEmpty()) {
            throw new InvalidInputException("empty_write", "columns", "bulk insert into " + table + " names no columns");
        }
        for (String column : columns) {
            Identifiers.check("column", column);
        }
        boolean useCopy = copy && dialect.type() == DatabaseType.POSTGRESQL;
        String statementSql = useCopy
                ? "COPY " + quotedTable + " (" + sql.quotedList(columns) + ") FROM STDIN (FORMAT csv)"
                : "INSERT INTO " + quotedTable + " (" + sql.quotedList(columns) + ") VALUES ("
                        + String.join(", ", Collections.nCopies(columns.size(), "?")) + ")";
        Operation operation = log.begin(useCopy ? "bulk_insert_copy" : "bulk_insert", statementSql);
        try {
            long inserted = connections.runAtomically(operation, false, connection -> useCopy
                    ? PgCopy.copy(connection, statementSql, columns.size(), rows)
                    : batchInsert(connection, statementSql, columns.size(), rows, chunkSize));
            log.succeeded(operation, inserted);
            cache.invalidateAfter(connections, WriteTags.tableTag(table));
            return inserted;
        } catch (RuntimeException e) {
            throw log.failed(operation, e);
        }
    }

    private long batchInsert(Connection connection, String insertSql, int width, Iterable<? extends List<?>> rows,
            int chunkSize) throws SQLException {
        long inserted = 0;
        try (PreparedStatement statement = connection.prepareStatement(insertSql)) {
            int pending = 0;
            long index = 0;
            Iterator<? extends List<?>> iterator = rows.iterator();
            while (iterator.hasNext()) {
                List<?> row = iterator.next();
                if (row.size() != width) {
                    throw new InvalidInputException("invalid_row", "rows[" + index + "]",
                            "row " + index + " has " + row.size() + " values for " + width + " columns");
                }
                for (int i = 0; i < width; i++) {
                    ValueBinder.bind(statement, i + 1, "rows[" + index + "][" + i + "]", row.get(i), dialect);
                }
                statement.addBatch();
                index++;
                if (++pending == chunkSize) {
                    inserted += sum(statement.executeBatch());
                    pending = 0;
                }
            }
            if (pending > 0) {
                inserted += sum(statement.executeBatch());
            }
        }
        return inserted;
    }

    private static long sum(int[] counts) {
        long total = 0;
        for (int count : counts) {
            total += count == Statement.SUCCESS_NO_INFO ? 1 : Math.max(0, count);
        }
        return total;
    }
}
