package dev.weft.db.internal;

import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The primary-key columns of tables, read from JDBC metadata once per table and cached: the emulated RETURNING
 * path re-selects written rows by key. Thread-safe.
 */
public final class TableKeys {
    private final Map<String, List<String>> keys = new ConcurrentHashMap<>();

    /**
     * @param connection a connection to the database
     * @param table a checked table name
     * @return the key columns in key order; empty if the table has no primary key (or does not exist)
     * @throws SQLException if the metadata cannot be read
     */
    public List<String> primaryKey(Connection connection, String table) throws SQLException {
        List<String> cached = keys.get(table);
        if (cached != null) {
            return cached;
        }
        DatabaseMetaData meta = connection.getMetaData();
        TreeMap<Integer, String> columns = new TreeMap<>();
        try (ResultSet result = meta.getPrimaryKeys(connection.getCatalog(), null, table)) {
            while (result.next()) {
                columns.put(result.getInt("KEY_SEQ"), result.getString("COLUMN_NAME"));
            }
        }
        List<String> key = List.copyOf(columns.values());
        if (!key.isEmpty()) {
            keys.put(table, key);
        }
        return key;
    }
}
