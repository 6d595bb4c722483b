package dev.weft.db;

import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The SQL operations a {@link Database} and a {@link Transaction} share. On a {@code Database} each call takes a
 * pooled connection for its duration (or joins the transaction open on the calling thread); on a
 * {@code Transaction} each call runs on the transaction's connection.
 *
 * <p>Parameters are {@code :name} placeholders bound from a map, never SQL text. A bare {@code ?} is refused; on
 * PostgreSQL the jsonb operators {@code ?}, {@code ?|} and {@code ?&} are written {@code ??}, {@code ??|} and
 * {@code ??&}, as with pgjdbc itself. A value that is a {@link java.util.Collection} is written as one placeholder per
 * element, for {@code WHERE id IN (:ids)} (an empty one is refused: {@code IN ()} is not SQL); batches take one value
 * per parameter. An enum constant is bound as its name, as text: a PostgreSQL enum-typed column takes it through a
 * cast, {@code CAST(:plan AS plan_type)} (binding it untyped would break {@code :plan IS NULL} and select-list uses).
 * Table and column names are
 * checked against {@code ^[A-Za-z_][A-Za-z0-9_]{0,62}$} and quoted before any SQL is built. Every call blocks
 * the calling thread (meant to be virtual) until it completes or its timeout fires.
 */
public interface SqlOperations {
    /**
     * Starts a statement with no parameters yet: the full form, for timeouts, fetch size, retry and streaming.
     *
     * @param sql SQL text with {@code :name} placeholders
     * @return a statement builder
     */
    Query statement(String sql);

    /**
     * Starts a statement bound to {@code params}.
     *
     * @param sql SQL text with {@code :name} placeholders
     * @param params a value for each placeholder, and nothing else
     * @return a statement builder
     */
    default Query query(String sql, Map<String, ?> params) {
        return statement(sql).bind(params);
    }

    /**
     * Runs a query and maps each row to {@code type}: a record (columns matched by name, {@code created_at} to
     * {@code createdAt}) or a scalar type for a one-column result.
     *
     * @param sql SQL text with {@code :name} placeholders
     * @param params a value for each placeholder, and nothing else
     * @param type the row type
     * @param <T> the row type
     * @return the rows, in result order
     * @throws dev.weft.core.InvalidInputException for a missing or unknown parameter (nothing is sent)
     * @throws DatabaseException if the database fails the query
     */
    default <T> List<T> query(String sql, Map<String, ?> params, Class<T> type) {
        return query(sql, params).list(type);
    }

    /**
     * Runs a query and returns each row as a map from lower-case column label to value.
     *
     * @param sql SQL text with {@code :name} placeholders
     * @param params a value for each placeholder, and nothing else
     * @return the rows
     * @throws DatabaseException if the database fails the query
     */
    default List<Map<String, Object>> queryForRows(String sql, Map<String, ?> params) {
        return query(sql, params).list();
    }

    /**
     * Runs a statement that returns no rows (DDL, or a write written as SQL).
     *
     * @param sql SQL text with {@code :name} placeholders
     * @param params a value for each placeholder, and nothing else
     * @return the number of rows affected (0 for DDL)
     * @throws DatabaseException if the database fails the statement
     */
    default long execute(String sql, Map<String, ?> params) {
        return query(sql, params).execute();
    }

    /**
     * Runs a statement without parameters that returns no rows.
     *
     * @param sql SQL text
     * @return the number of rows affected
     * @throws DatabaseException if the database fails the statement
     */
    default long execute(String sql) {
        return statement(sql).execute();
    }

    /**
     * Starts an INSERT of one row.
     *
     * @param table the table
     * @param data column to value; at least one column
     * @return a write builder; add {@link Write#returning(String...)} to get columns back
     */
    Write insert(String table, Map<String, ?> data);

    /**
     * Starts an UPDATE of the rows matching {@code where}.
     *
     * @param table the table
     * @param data column to new value; at least one column
     * @param where column to value, joined with AND; a {@code null} value matches IS NULL; at least one column
     * @return a write builder
     */
    Write update(String table, Map<String, ?> data, Map<String, ?> where);

    /**
     * Starts a DELETE of the rows matching {@code where}.
     *
     * @param table the table
     * @param where column to value, joined with AND; a {@code null} value matches IS NULL; at least one column
     * @return a write builder
     */
    Write delete(String table, Map<String, ?> where);

    /**
     * Starts a batch: one statement run once per parameter map, in chunks, in one transaction. A batch answers the
     * number of rows affected, not rows: a statement with RETURNING is refused ({@code invalid_sql}).
     *
     * @param sql SQL text with {@code :name} placeholders
     * @param rows one parameter map per execution
     * @return a batch builder
     */
    Batch batch(String sql, List<? extends Map<String, ?>> rows);

    /**
     * Starts a bulk insert of many rows: COPY on PostgreSQL, batched multi-row inserts elsewhere, in one
     * transaction.
     *
     * @param table the table
     * @param columns the columns each row gives, in order
     * @param rows the rows; each a list of values in {@code columns} order; read once, lazily
     * @return a bulk-insert builder
     */
    BulkInsert bulkInsert(String table, List<String> columns, Iterable<? extends List<?>> rows);

    /**
     * Streams the rows of a query over a server-side cursor. The stream holds a connection until it is closed
     * or fully read: close it with try-with-resources.
     *
     * @param sql SQL text with {@code :name} placeholders
     * @param params a value for each placeholder
     * @param fetchSize rows fetched per round trip
     * @param type the row type (record or scalar)
     * @param <T> the row type
     * @return an open stream; the caller must close it
     * @throws DatabaseException if the query fails to start
     */
    default <T> Stream<T> stream(String sql, Map<String, ?> params, int fetchSize, Class<T> type) {
        return query(sql, params).fetchSize(fetchSize).stream(type);
    }

    /**
     * Runs {@code work} in a transaction at the default isolation; see
     * {@link #inTransaction(Isolation, TransactionCallback)}.
     *
     * @param work the transaction's work
     * @param <T> the result type
     * @param <X> the checked exception the work may throw
     * @return the work's result, after the commit
     * @throws X as thrown by the work, after the rollback
     */
    default <T, X extends Exception> T inTransaction(TransactionCallback<T, X> work) throws X {
        return inTransaction(Isolation.DEFAULT, work);
    }

    /**
     * Runs {@code work} in a transaction: commit when it returns, roll back when it throws anything. Called
     * while a transaction of the same database is open on this thread, it runs inside a savepoint of that
     * transaction instead, rolled back alone if the work throws. A top-level transaction that fails with a
     * serialization failure or deadlock is retried whole, up to the configured retries, with backoff.
     *
     * @param isolation the isolation level; ignored for a nested call (the outer transaction's level holds)
     * @param work the transaction's work
     * @param <T> the result type
     * @param <X> the checked exception the work may throw
     * @return the work's result, after the commit
     * @throws X as thrown by the work, after the rollback
     * @throws DatabaseException if the database fails the transaction or its commit; {@code transaction_aborted} on
     *     PostgreSQL when the work caught a failed statement and returned (PostgreSQL has then aborted the
     *     transaction and would roll back at the commit: run a statement that may fail in a nested call instead)
     */
    <T, X extends Exception> T inTransaction(Isolation isolation, TransactionCallback<T, X> work) throws X;
}
