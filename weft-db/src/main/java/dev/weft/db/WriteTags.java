package dev.weft.db;

import dev.weft.db.internal.SqlTables;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What a statement writes, classified once per SQL text: the query-cache tag its success invalidates (its table's,
 * {@link #ALL_TABLES} if weft cannot tell, none for a read). The connection lease asks it whether an operation
 * needs the SQLite writer turn; the statement runner whether a query is a read worth retrying. Thread-safe.
 */
final class WriteTags {
    /** The tag of every cached query, invalidated by writes weft cannot attribute to a table. */
    static final String ALL_TABLES = "*";
    /** The tag of a read: nothing to invalidate. */
    static final String NONE = "";
    private static final int MAX_REMEMBERED = 4096;

    private final boolean mysqlFamily;
    private final ConcurrentHashMap<String, String> bySql = new ConcurrentHashMap<>();

    /** @param mysqlFamily whether string literals take backslash escapes (MariaDB, MySQL) */
    WriteTags(boolean mysqlFamily) {
        this.mysqlFamily = mysqlFamily;
    }

    /** @return the query-cache tag of a table */
    static String tableTag(String table) {
        return "t:" + table.toLowerCase(Locale.ROOT);
    }

    /** @return the tag a statement's success invalidates; {@link #NONE} for a read */
    String of(String sql) {
        String tag = bySql.get(sql);
        if (tag == null) {
            tag = SqlTables.isRead(sql, mysqlFamily) ? NONE
                    : SqlTables.writeTarget(sql, mysqlFamily).map(WriteTags::tableTag).orElse(ALL_TABLES);
            if (bySql.size() > MAX_REMEMBERED) {
                bySql.clear(); // a bound, not an LRU: SQL texts are few in practice, generated ones must not leak
            }
            bySql.put(sql, tag);
        }
        return tag;
    }

    /** @return whether a statement writes */
    boolean writes(String sql) {
        return !of(sql).isEmpty();
    }

    /** @return whether an operation writes, and so on SQLite must wait for the writer turn */
    boolean writes(Operation operation) {
        return switch (operation.type) {
            case "stream", "savepoint" -> false;
            case "query", "execute" -> writes(operation.sql);
            default -> true; // transaction, batch, insert, update, delete, bulk_insert
        };
    }
}
