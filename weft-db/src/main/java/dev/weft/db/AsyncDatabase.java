package dev.weft.db;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * The operations of a {@link Database} as {@code CompletableFuture}s. Each runs the blocking operation on a
 * fresh virtual thread of the database's executor, so no platform thread ever waits; failures complete the
 * future exceptionally with the same {@link dev.weft.core.WeftException}s. An async call never joins a
 * transaction open on the calling thread.
 *
 * <p>Thread-safe.
 */
public interface AsyncDatabase {
    /**
     * @param sql SQL text with {@code :name} placeholders
     * @param params a value for each placeholder
     * @param type the row type
     * @param <T> the row type
     * @return the rows
     */
    <T> CompletableFuture<List<T>> query(String sql, Map<String, ?> params, Class<T> type);

    /**
     * @param sql SQL text with {@code :name} placeholders
     * @param params a value for each placeholder
     * @return the rows as maps
     */
    CompletableFuture<List<Map<String, Object>>> queryForRows(String sql, Map<String, ?> params);

    /**
     * @param sql SQL text with {@code :name} placeholders
     * @param params a value for each placeholder
     * @return the number of rows affected
     */
    CompletableFuture<Long> execute(String sql, Map<String, ?> params);

    /**
     * @param table the table
     * @param data column to value
     * @param returning columns to return; none for just the count
     * @return the result
     */
    CompletableFuture<WriteResult<Map<String, Object>>> insert(String table, Map<String, ?> data, String... returning);

    /**
     * @param table the table
     * @param data column to new value
     * @param where column to value, joined with AND
     * @param returning columns to return
     * @return the result
     */
    CompletableFuture<WriteResult<Map<String, Object>>> update(String table, Map<String, ?> data,
            Map<String, ?> where, String... returning);

    /**
     * @param table the table
     * @param where column to value, joined with AND
     * @param returning columns to return
     * @return the result
     */
    CompletableFuture<WriteResult<Map<String, Object>>> delete(String table, Map<String, ?> where, String... returning);

    /**
     * @param sql SQL text with {@code :name} placeholders
     * @param rows one parameter map per execution
     * @param chunkSize executions per round trip
     * @return the rows affected
     */
    CompletableFuture<Long> batch(String sql, List<? extends Map<String, ?>> rows, int chunkSize);

    /**
     * @param isolation the isolation level
     * @param work the transaction's work
     * @param <T> the result type
     * @return the work's result after the commit
     */
    <T> CompletableFuture<T> inTransaction(Isolation isolation, TransactionCallback<T, ? extends Exception> work);

    /**
     * Runs any blocking work against the database on a virtual thread: the escape hatch for builder calls.
     *
     * @param work the work
     * @param <T> the result type
     * @return the work's result
     */
    <T> CompletableFuture<T> call(Function<Database, T> work);
}
