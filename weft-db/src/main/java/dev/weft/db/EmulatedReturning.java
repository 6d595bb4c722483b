package dev.weft.db;

import dev.weft.core.InvalidInputException;
import dev.weft.db.internal.Dialect;
import dev.weft.db.internal.TableKeys;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * RETURNING where the dialect lacks it (MySQL: all writes; MariaDB: UPDATE), emulated inside the caller's
 * transaction: INSERT by generated key and a re-select; UPDATE by {@code SELECT key ... FOR UPDATE}, an UPDATE of
 * those keys and a re-select under the (possibly changed) keys; DELETE by a locking select of the returned
 * columns before the delete. INSERT and UPDATE need a primary key, read from JDBC metadata once per table. Every
 * statement runs through the {@link StatementRunner}, on the connection of the caller's transaction. Thread-safe.
 */
final class EmulatedReturning {
    private static final int KEY_CHUNK = 500;

    private final StatementRunner runner;
    private final WriteSql writeSql;
    private final Dialect dialect;
    private final TableKeys tableKeys;
    private final String databaseName;

    EmulatedReturning(StatementRunner runner, WriteSql writeSql, Dialect dialect, TableKeys tableKeys,
            String databaseName) {
        this.runner = runner;
        this.writeSql = writeSql;
        this.dialect = dialect;
        this.tableKeys = tableKeys;
        this.databaseName = databaseName;
    }

    private List<String> requirePrimaryKey(Connection connection, String table) throws SQLException {
        List<String> key = tableKeys.primaryKey(connection, table);
        if (key.isEmpty()) {
            throw new InvalidInputException("returning_needs_primary_key", "table", "RETURNING on "
                    + dialect.type() + " is emulated and needs a primary key, but table " + table + " has none");
        }
        return key;
    }

    <T> WriteResult<T> insert(Connection connection, String table, String quotedTable, String sql,
            Map<String, ?> data, List<String> returning, Duration timeout, Operation operation, RowMapper<T> mapper)
            throws SQLException {
        List<String> key = requirePrimaryKey(connection, table);
        List<String> missing = key.stream().filter(column -> !containsIgnoreCase(data, column)).toList();
        if (missing.size() > 1) {
            throw new InvalidInputException("returning_needs_primary_key", "data", "emulated RETURNING on " + table
                    + " needs the key columns " + missing + " in the data (only one may be generated)");
        }
        List<Object> keyValues = new ArrayList<>(key.size());
        try (PreparedStatement statement = connection.prepareStatement(sql, Statement.RETURN_GENERATED_KEYS)) {
            runner.bindPositional(statement, new ArrayList<>(data.values()));
            runner.watched(statement, timeout, operation, () -> statement.executeUpdate());
            Object generated = null;
            if (!missing.isEmpty()) {
                try (ResultSet keys = statement.getGeneratedKeys()) {
                    if (!keys.next()) {
                        throw new DatabaseException(dev.weft.core.ErrorKind.INTERNAL, "no_generated_key",
                                "database '" + databaseName + "': insert into " + table
                                        + " generated no key for column " + missing.getFirst(), null, false, null);
                    }
                    generated = keys.getObject(1);
                }
            }
            for (String column : key) {
                keyValues.add(containsIgnoreCase(data, column) ? getIgnoreCase(data, column) : generated);
            }
        }
        List<T> rows = selectByKeys(connection, quotedTable, key, List.of(keyValues), returning, timeout, operation, mapper);
        return new WriteResult<>(1, rows);
    }

    <T> WriteResult<T> update(Connection connection, String table, String quotedTable,
            Map<String, ?> data, Map<String, ?> where, List<String> returning, Duration timeout, Operation operation,
            RowMapper<T> mapper) throws SQLException {
        List<String> key = requirePrimaryKey(connection, table);
        StringBuilder lock = new StringBuilder("SELECT ").append(writeSql.quotedList(key)).append(" FROM ")
                .append(quotedTable);
        writeSql.appendWhere(lock, where);
        lock.append(" FOR UPDATE");
        List<@Nullable Object> whereValues = WriteSql.values(Map.of(), where);
        List<Object[]> keys = runner.queryBound(connection, lock.toString(), whereValues, timeout, operation, row -> {
            Object[] values = new Object[key.size()];
            for (int i = 0; i < values.length; i++) {
                values[i] = row.getObject(i + 1);
            }
            return values;
        });
        if (keys.isEmpty()) {
            return new WriteResult<>(0, List.of());
        }
        long count = 0;
        for (List<Object[]> chunk : chunks(keys)) {
            StringBuilder update = new StringBuilder("UPDATE ").append(quotedTable).append(" SET ");
            writeSql.appendAssignments(update, data);
            update.append(" WHERE ").append(keyPredicate(key, chunk.size()));
            List<@Nullable Object> values = new ArrayList<>(data.values());
            chunk.forEach(row -> values.addAll(java.util.Arrays.asList(row)));
            count += runner.executeBound(connection, update.toString(), values, timeout, operation);
        }
        // A key column the update changed is found again under its new value.
        List<List<Object>> newKeys = new ArrayList<>(keys.size());
        for (Object[] old : keys) {
            List<Object> updated = new ArrayList<>(key.size());
            for (int i = 0; i < key.size(); i++) {
                updated.add(containsIgnoreCase(data, key.get(i)) ? getIgnoreCase(data, key.get(i)) : old[i]);
            }
            newKeys.add(updated);
        }
        List<T> rows = selectByKeys(connection, quotedTable, key, newKeys, returning, timeout, operation, mapper);
        return new WriteResult<>(count, rows);
    }

    <T> WriteResult<T> delete(Connection connection, String quotedTable, String deleteSql,
            Map<String, ?> where, List<String> returning, Duration timeout, Operation operation, RowMapper<T> mapper)
            throws SQLException {
        StringBuilder lock = new StringBuilder("SELECT ").append(writeSql.returningList(returning)).append(" FROM ")
                .append(quotedTable);
        writeSql.appendWhere(lock, where);
        lock.append(" FOR UPDATE");
        List<@Nullable Object> whereValues = WriteSql.values(Map.of(), where);
        List<T> rows = runner.queryBound(connection, lock.toString(), whereValues, timeout, operation, mapper);
        long count = runner.executeBound(connection, deleteSql, whereValues, timeout, operation);
        return new WriteResult<>(count, rows);
    }

    private <T> List<T> selectByKeys(Connection connection, String quotedTable, List<String> key,
            List<? extends List<Object>> keys, List<String> returning, Duration timeout, Operation operation,
            RowMapper<T> mapper) throws SQLException {
        List<T> rows = new ArrayList<>(keys.size());
        for (List<? extends List<Object>> chunk : chunks(keys)) {
            String select = "SELECT " + writeSql.returningList(returning) + " FROM " + quotedTable + " WHERE "
                    + keyPredicate(key, chunk.size());
            List<@Nullable Object> values = new ArrayList<>();
            chunk.forEach(values::addAll);
            rows.addAll(runner.queryBound(connection, select, values, timeout, operation, mapper));
        }
        return rows;
    }

    private String keyPredicate(List<String> key, int rows) {
        StringBuilder predicate = new StringBuilder();
        if (key.size() == 1) {
            predicate.append(dialect.quote(key.getFirst())).append(" IN (");
            for (int i = 0; i < rows; i++) {
                predicate.append(i == 0 ? "?" : ", ?");
            }
            return predicate.append(')').toString();
        }
        for (int row = 0; row < rows; row++) {
            predicate.append(row == 0 ? "(" : " OR (");
            for (int i = 0; i < key.size(); i++) {
                predicate.append(i == 0 ? "" : " AND ").append(dialect.quote(key.get(i))).append(" = ?");
            }
            predicate.append(')');
        }
        return predicate.toString();
    }

    private static <E> List<List<E>> chunks(List<E> items) {
        List<List<E>> chunks = new ArrayList<>();
        for (int start = 0; start < items.size(); start += KEY_CHUNK) {
            chunks.add(items.subList(start, Math.min(items.size(), start + KEY_CHUNK)));
        }
        return chunks;
    }

    private static boolean containsIgnoreCase(Map<String, ?> data, String column) {
        for (String name : data.keySet()) {
            if (name.equalsIgnoreCase(column)) {
                return true;
            }
        }
        return false;
    }

    private static @Nullable Object getIgnoreCase(Map<String, ?> data, String column) {
        for (Map.Entry<String, ?> entry : data.entrySet()) {
            if (entry.getKey().equalsIgnoreCase(column)) {
                return entry.getValue();
            }
        }
        return null;
    }
}
