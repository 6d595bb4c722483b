package dev.weft.db;

import java.util.Collection;
import java.util.Map;
import java.util.Optional;

/**
 * Reads rows of one table by a unique key, from {@link Database#keyed}. Concurrent {@link #find(Object)} calls of
 * one reader are sent together (the DataLoader idea, done by weft-db): a lone call goes out at once as one query;
 * calls that arrive while batches of this reader are running (see {@link KeyBatchingConfig#maxInFlight()}) wait
 * together and are sent as one {@code WHERE key = ANY(?)} (PostgreSQL) or {@code WHERE key IN (...)} query as soon
 * as one of those ends. No timer ever holds a call back.
 *
 * <p>Each caller gets what its own query would have returned: a batch is sent only after every caller in it
 * arrived, so a caller that committed a write before asking reads it; a call made while a transaction of the
 * database is open on the calling thread runs on that transaction as one query; errors and timeouts of a batch
 * reach every caller in it, with the exception types a single query throws. A caller's
 * {@link dev.weft.core.Deadline} bounds its own wait.
 *
 * <p>Thread-safe; create one per statement shape and keep it: batching happens between calls of one reader.
 *
 * @param <K> the key type ({@code Long}, {@code Integer}, {@code String}, {@code UUID}, ...)
 * @param <T> the row type: a record mapped by column name, or a scalar for one column
 */
public interface KeyedReader<K, T> {
    /**
     * The row with {@code key}: the same answer as
     * {@code SELECT columns FROM table WHERE keyColumn = :key} run with {@link Query#first(Class)} (on a column that
     * is not unique after all, the first row; {@link Query#optional(Class)} would refuse the second).
     *
     * @param key the key; not null
     * @return the row, or empty if there is none (or, for a scalar row type, if its column is NULL)
     * @throws DatabaseException if the database fails the read (the batch's own exception, the one a single query
     *     would have thrown); also when the caller's {@link dev.weft.core.Deadline} passes while it waits for its
     *     batch: {@link PoolExhaustedException} if the batch was not sent yet, {@link QueryTimeoutException} if it
     *     was running
     */
    Optional<T> find(K key);

    /**
     * The rows of several keys, read with as few queries as the batch size allows (on the calling thread).
     *
     * @param keys the keys; duplicates are read once; none may be null
     * @return key to row; keys without a row are absent
     * @throws DatabaseException if the database fails the read
     */
    Map<K, T> findAll(Collection<? extends K> keys);
}
