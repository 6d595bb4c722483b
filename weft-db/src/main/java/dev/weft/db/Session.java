package dev.weft.db;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;

/**
 * Where operations run: on pooled connections ({@link PooledDatabase}) or on one transaction's connection
 * ({@link JdbcTransaction}). The builders ask their session for a connection; the {@link Engine} does the rest.
 */
abstract sealed class Session implements SqlOperations permits PooledDatabase, JdbcTransaction {
    /** JDBC work on one connection. */
    @FunctionalInterface
    interface Work<T> {
        T run(Connection connection) throws SQLException;
    }

    /** A connection held beyond one call (streams); give it back with {@link #release(boolean)}. */
    interface Borrowed {
        Connection connection();

        void release(boolean broken);
    }

    abstract Engine engine();

    /** The session operations of this call should run in: a pooled database defers to an open transaction. */
    abstract Session current();

    /** Runs work on a connection, retrying transient faults if asked and if outside a transaction. */
    abstract <T> T run(Engine.Call call, boolean retry, Work<T> work);

    /**
     * Runs work atomically: in its own short transaction (retried whole on a transient fault if asked), or
     * inside the open one.
     */
    abstract <T> T runAtomically(Engine.Call call, boolean retry, Work<T> work);

    /** Lends a connection until the borrower releases it. */
    abstract Borrowed borrow();

    @Override
    public Query statement(String sql) {
        return new Query(current(), sql);
    }

    @Override
    public Write insert(String table, Map<String, ?> data) {
        return new Write(current(), Write.Kind.INSERT, table, data, Map.of());
    }

    @Override
    public Write update(String table, Map<String, ?> data, Map<String, ?> where) {
        return new Write(current(), Write.Kind.UPDATE, table, data, where);
    }

    @Override
    public Write delete(String table, Map<String, ?> where) {
        return new Write(current(), Write.Kind.DELETE, table, Map.of(), where);
    }

    @Override
    public Batch batch(String sql, List<? extends Map<String, ?>> rows) {
        return new Batch(current(), sql, rows);
    }

    @Override
    public BulkInsert bulkInsert(String table, List<String> columns, Iterable<? extends List<?>> rows) {
        return new BulkInsert(current(), table, columns, rows);
    }
}
