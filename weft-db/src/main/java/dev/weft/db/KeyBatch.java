package dev.weft.db;

import dev.weft.core.Deadline;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;

/**
 * A batch of keys waiting for a free slot of its {@link BatchingKeyedReader}, then sent as one query and answered
 * to every caller in it. Callers join it only while it waits (under the reader's lock); once sent it takes no one,
 * so every caller in it arrived before its query. Each caller waits for the answer bounded by its own
 * {@link Deadline}; the query itself runs under the latest deadline of its callers (none if one of them has none),
 * so it gives up only when nobody wants it any more.
 */
final class KeyBatch<K, T> {
    private final String database;
    private final String table;
    /** Guarded by the reader's lock until {@link #sent()}. */
    private final LinkedHashSet<K> keys = new LinkedHashSet<>();
    private final CompletableFuture<Map<K, T>> answer = new CompletableFuture<>();
    private long latestDeadline;
    private boolean bounded;
    private boolean unbounded;
    private volatile boolean sent;
    private volatile long sentAt;

    KeyBatch(String database, String table) {
        this.database = database;
        this.table = table;
    }

    /** @return the distinct keys so far; call under the reader's lock */
    int size() {
        return keys.size();
    }

    /** @return whether {@code key} is in it already; call under the reader's lock */
    boolean has(K key) {
        return keys.contains(key);
    }

    /** Adds a caller's key and deadline; call under the reader's lock. */
    void join(K key, @Nullable Deadline deadline) {
        keys.add(key);
        if (deadline == null) {
            unbounded = true;
        } else {
            long end = System.nanoTime() + deadline.remainingNanos();
            latestDeadline = bounded ? Math.max(latestDeadline, end) : end;
            bounded = true;
        }
    }

    /** Closes it to joiners' bookkeeping and returns what to send; called once, when it leaves the queue. */
    List<K> send() {
        sentAt = System.nanoTime();
        sent = true;
        return new ArrayList<>(keys);
    }

    /** @return the deadline the query runs under, or {@code null} when a caller has none */
    @Nullable Deadline deadline() {
        return unbounded ? null : Deadline.after(Duration.ofNanos(Math.max(0, latestDeadline - System.nanoTime())));
    }

    void complete(Map<K, T> rows) {
        answer.complete(rows);
    }

    void fail(Throwable error) {
        answer.completeExceptionally(error);
    }

    /**
     * Waits for the answer to one caller's key, bounded by the caller's deadline.
     *
     * @param joinedAt when the caller joined, for the wait metric
     * @throws PoolExhaustedException if the deadline passed before the batch was sent (as a single query's wait
     *     for a connection would end)
     * @throws QueryTimeoutException if it passed while the batch ran
     * @throws DatabaseUnavailableException if the caller was interrupted
     */
    Optional<T> await(K key, long joinedAt, KeyBatchMetrics metrics) {
        Deadline deadline = Deadline.current().orElse(null);
        try {
            Map<K, T> rows = deadline == null ? answer.get()
                    : answer.get(Math.max(0, deadline.remainingNanos()), TimeUnit.NANOSECONDS);
            return Optional.ofNullable(rows.get(key));
        } catch (ExecutionException e) {
            throw rethrown(e.getCause());
        } catch (TimeoutException e) {
            if (!sent) {
                throw new PoolExhaustedException("database '" + database + "': the deadline passed while a read of "
                        + table + " waited for its key batch to be sent");
            }
            throw new QueryTimeoutException("database '" + database + "': the deadline passed while the key batch "
                    + "of a read of " + table + " ran", null, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw DatabaseException.interrupted("database '" + database + "': interrupted while waiting for a key "
                    + "batch of " + table, e);
        } finally {
            metrics.waited((sent ? sentAt : System.nanoTime()) - joinedAt);
        }
    }

    /** The batch's own failure, thrown to each caller as a single query would have thrown it. */
    private static RuntimeException rethrown(@Nullable Throwable cause) {
        if (cause instanceof RuntimeException runtime) {
            return runtime;
        }
        if (cause instanceof Error error) {
            throw error;
        }
        return new DatabaseException(dev.weft.core.ErrorKind.INTERNAL, "key_batch_failed",
                "a key batch failed", null, false, cause);
    }
}
