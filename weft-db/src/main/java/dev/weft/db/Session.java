package dev.weft.db;

import java.util.List;
import java.util.Map;

/**
 * Where operations run: on pooled connections ({@link PooledDatabase}) or on one transaction's connection
 * ({@link JdbcTransaction}). A session only supplies connections ({@link #connections()}); the builders it hands
 * out run through the database's {@link DatabaseStages}.
 */
abstract sealed class Session implements SqlOperations permits PooledDatabase, JdbcTransaction {
    /** @return the stages of the database this session belongs to */
    abstract DatabaseStages stages();

    /** @return where this session's statements get their connection */
    abstract Connections connections();

    /** The session operations of this call should run in: a pooled database defers to an open transaction. */
    abstract Session current();

    @Override
    public Query statement(String sql) {
        Session session = current();
        return new Query(session.stages(), session.connections(), sql);
    }

    @Override
    public Write insert(String table, Map<String, ?> data) {
        Session session = current();
        return new Write(session.stages().writes(), session.connections(), Write.Kind.INSERT, table, data, Map.of());
    }

    @Override
    public Write update(String table, Map<String, ?> data, Map<String, ?> where) {
        Session session = current();
        return new Write(session.stages().writes(), session.connections(), Write.Kind.UPDATE, table, data, where);
    }

    @Override
    public Write delete(String table, Map<String, ?> where) {
        Session session = current();
        return new Write(session.stages().writes(), session.connections(), Write.Kind.DELETE, table, Map.of(), where);
    }

    @Override
    public Batch batch(String sql, List<? extends Map<String, ?>> rows) {
        Session session = current();
        return new Batch(session.stages().batches(), session.connections(), sql, rows);
    }

    @Override
    public BulkInsert bulkInsert(String table, List<String> columns, Iterable<? extends List<?>> rows) {
        Session session = current();
        return new BulkInsert(session.stages().batches(), session.connections(), table, columns, rows);
    }
}
