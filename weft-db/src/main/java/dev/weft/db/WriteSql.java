package dev.weft.db;

import dev.weft.db.internal.Dialect;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The SQL text of weft's own writes (INSERT, UPDATE, DELETE from column maps) and of the selects that emulate
 * RETURNING: quoted names and positional placeholders, never a value. Names are checked before they get here.
 * Thread-safe.
 */
final class WriteSql {
    private final Dialect dialect;

    WriteSql(Dialect dialect) {
        this.dialect = dialect;
    }

    String quote(String name) {
        return dialect.quote(name);
    }

    String statement(Write.Kind kind, String quotedTable, Map<String, ?> data, Map<String, ?> where) {
        StringBuilder sql = new StringBuilder(64);
        switch (kind) {
            case INSERT -> {
                sql.append("INSERT INTO ").append(quotedTable).append(" (").append(quotedList(data.keySet()))
                        .append(") VALUES (");
                for (int i = 0; i < data.size(); i++) {
                    sql.append(i == 0 ? "?" : ", ?");
                }
                sql.append(')');
            }
            case UPDATE -> {
                sql.append("UPDATE ").append(quotedTable).append(" SET ");
                appendAssignments(sql, data);
                appendWhere(sql, where);
            }
            case DELETE -> {
                sql.append("DELETE FROM ").append(quotedTable);
                appendWhere(sql, where);
            }
        }
        return sql.toString();
    }

    /** Appends {@code "a" = ?, "b" = ?} for the columns of {@code data}. */
    void appendAssignments(StringBuilder sql, Map<String, ?> data) {
        int i = 0;
        for (String column : data.keySet()) {
            sql.append(i++ == 0 ? "" : ", ").append(dialect.quote(column)).append(" = ?");
        }
    }

    /** Appends a WHERE of equalities, {@code IS NULL} for a null value (which then has no placeholder). */
    void appendWhere(StringBuilder sql, Map<String, ?> where) {
        sql.append(" WHERE ");
        int i = 0;
        for (Map.Entry<String, ?> condition : where.entrySet()) {
            sql.append(i++ == 0 ? "" : " AND ").append(dialect.quote(condition.getKey()))
                    .append(condition.getValue() == null ? " IS NULL" : " = ?");
        }
    }

    /** The values of the placeholders of {@link #statement}: data first, then the non-null where values. */
    static List<@Nullable Object> values(Map<String, ?> data, Map<String, ?> where) {
        List<@Nullable Object> values = new ArrayList<>(data.size() + where.size());
        values.addAll(data.values());
        for (Object value : where.values()) {
            if (value != null) {
                values.add(value);
            }
        }
        return values;
    }

    /** {@code returning("*")}: every column of the written rows. */
    static final List<String> EVERY_COLUMN = List.of("*");

    /** The select list of a RETURNING or its emulation: {@code *} alone, or the quoted columns. */
    String returningList(List<String> returning) {
        return returning.equals(EVERY_COLUMN) ? "*" : quotedList(returning);
    }

    String quotedList(Iterable<String> columns) {
        StringBuilder out = new StringBuilder();
        for (String column : columns) {
            out.append(out.isEmpty() ? "" : ", ").append(dialect.quote(column));
        }
        return out.toString();
    }
}
