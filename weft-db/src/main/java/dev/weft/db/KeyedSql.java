package dev.weft.db;

import dev.weft.core.InvalidInputException;
import dev.weft.db.internal.Dialect;
import dev.weft.db.internal.Identifiers;
import dev.weft.db.internal.ValueBinder;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The SQL of one keyed read shape: the single-key query ({@code WHERE key = :key}) and the batch query, which also
 * selects the key under {@link #KEY_ALIAS} so that rows are handed back by key whatever the row type. PostgreSQL
 * gets one array parameter ({@code = ANY(?)}), one prepared shape for every size; the others an
 * {@code IN (?, ...)} list padded to a power of two by repeating a key, so that a statement cache sees a handful
 * of shapes. Every identifier is validated here, before anything is sent. Immutable.
 */
final class KeyedSql {
    /** The label of the key column in a batch result; not a name a record component normalises to by accident. */
    static final String KEY_ALIAS = "weft_batch_key__";

    /** PostgreSQL array element types of the supported key types. */
    private static final Map<Class<?>, String> PG_ARRAY_TYPES = Map.of(Long.class, "int8", Integer.class, "int4",
            Short.class, "int2", String.class, "text", UUID.class, "uuid");

    private final Dialect dialect;
    private final String table;
    private final String keyColumn;
    private final String single;
    private final String batchPrefix;
    private final int maxBatchSize;
    /** IN-list SQL by power of two: index i holds the text for 2^i keys (filled up to maxBatchSize). */
    private final String[] inLists;

    KeyedSql(Dialect dialect, String table, String keyColumn, Class<?> keyType, String[] columns, int maxBatchSize) {
        this.dialect = dialect;
        this.table = Identifiers.check("table", table);
        this.keyColumn = Identifiers.check("column", keyColumn);
        if (columns.length == 0) {
            throw new InvalidInputException("no_columns", "columns", "a keyed read of " + table
                    + " needs at least one column");
        }
        if (!PG_ARRAY_TYPES.containsKey(keyType)) {
            throw new InvalidInputException("unsupported_key_type", "keyType", "cannot read " + table + " by keys of "
                    + keyType.getName() + ": use Long, Integer, Short, String or UUID");
        }
        StringBuilder select = new StringBuilder("SELECT ");
        for (int i = 0; i < columns.length; i++) {
            select.append(i == 0 ? "" : ", ").append(dialect.quote(Identifiers.check("column", columns[i])));
        }
        String from = " FROM " + dialect.quote(table) + " WHERE " + dialect.quote(keyColumn);
        this.single = select + from + " = :key";
        this.batchPrefix = select + ", " + dialect.quote(keyColumn) + " AS " + KEY_ALIAS + from;
        this.maxBatchSize = maxBatchSize;
        if (dialect.type() == DatabaseType.POSTGRESQL) {
            this.inLists = new String[] {batchPrefix + " = ANY(?)"};
        } else {
            int shapes = 32 - Integer.numberOfLeadingZeros(Math.max(1, maxBatchSize - 1)) + 1;
            this.inLists = new String[shapes];
        }
    }

    /** @return the single-key query, with the named parameter {@code :key} */
    String single() {
        return single;
    }

    String table() {
        return table;
    }

    String keyColumn() {
        return keyColumn;
    }

    /** @return how many values the batch query for {@code keys} keys binds: {@code keys} rounded up to a shape */
    int padded(int keys) {
        if (dialect.type() == DatabaseType.POSTGRESQL) {
            return keys;
        }
        int power = keys <= 1 ? 1 : Integer.highestOneBit(keys - 1) << 1;
        return Math.min(power, Math.max(keys, maxBatchSize));
    }

    /** @return the batch query for {@code keys} distinct keys */
    String batch(int keys) {
        if (dialect.type() == DatabaseType.POSTGRESQL) {
            return inLists[0];
        }
        int values = padded(keys);
        if (Integer.bitCount(values) != 1) {
            return inList(values); // the configured maximum, when it is not a power of two
        }
        int index = Integer.numberOfTrailingZeros(values);
        if (index >= inLists.length) {
            return inList(values);
        }
        String sql = inLists[index];
        if (sql == null) {
            sql = inList(values);
            inLists[index] = sql; // a benign race: every thread builds the same text
        }
        return sql;
    }

    private String inList(int values) {
        StringBuilder sql = new StringBuilder(batchPrefix.length() + 6 + values * 3).append(batchPrefix)
                .append(" IN (");
        for (int i = 0; i < values; i++) {
            sql.append(i == 0 ? "?" : ", ?");
        }
        return sql.append(')').toString();
    }

    /** Binds {@code keys} to {@link #batch(int)}'s statement, repeating the first key to fill the padding. */
    void bind(Connection connection, PreparedStatement statement, List<?> keys) throws SQLException {
        if (dialect.type() == DatabaseType.POSTGRESQL) {
            Class<?> type = keys.getFirst().getClass();
            String element = PG_ARRAY_TYPES.getOrDefault(type, "text");
            statement.setArray(1, connection.createArrayOf(element, keys.toArray()));
            return;
        }
        int values = padded(keys.size());
        for (int i = 0; i < values; i++) {
            ValueBinder.bind(statement, i + 1, "key", keys.get(i < keys.size() ? i : 0), dialect);
        }
    }
}
