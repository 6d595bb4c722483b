package dev.weft.db;

import dev.weft.core.Deadline;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * On SQLite, the single writer turn an operation that writes waits for before it borrows a connection.
 *
 * <p>Why: SQLite admits one writer; a second one waits in the driver's native busy handler, which holds its carrier
 * thread (JNI cannot unmount a virtual thread). With two carriers, two such waiters stall the writer that holds the
 * lock until the busy timeout. Waiting here instead parks the virtual thread, in FIFO order. The lock is reentrant
 * (a transaction and the writes inside it take one turn) and is always taken before a connection, never after, so
 * the two cannot deadlock. Reads never take it: WAL readers do not wait for the writer. Other databases have no
 * turn. Thread-safe.
 */
final class SqliteWriterTurn {
    private final String database;
    private final Duration acquireTimeout;
    private final WriteTags writeTags;
    private final @Nullable ReentrantLock writer;

    SqliteWriterTurn(DatabaseConfig config, WriteTags writeTags) {
        this.database = config.name();
        this.acquireTimeout = config.pool().acquireTimeout();
        this.writeTags = writeTags;
        this.writer = config.type() == DatabaseType.SQLITE ? new ReentrantLock(true) : null;
    }

    /**
     * @return whether a turn was taken; pass it to {@link #leave(boolean)}
     * @throws PoolExhaustedException if no turn came within the pool's acquire timeout or the caller's deadline
     */
    boolean enter(Operation operation) {
        if (writer == null || !writeTags.writes(operation)) {
            return false;
        }
        long timeoutMillis = acquireTimeout.toMillis();
        Deadline deadline = Deadline.current().orElse(null);
        if (deadline != null) { // as for a connection: the caller's deadline bounds the wait, if earlier
            timeoutMillis = Math.min(timeoutMillis, deadline.remaining().toMillis());
        }
        try {
            if (writer.tryLock(timeoutMillis, TimeUnit.MILLISECONDS)) {
                return true;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw DatabaseException.interrupted("database '" + database + "': interrupted while waiting "
                    + "for the SQLite writer turn (" + operation.describe() + ")", e);
        }
        throw new PoolExhaustedException("database '" + database + "': no SQLite writer turn in "
                + timeoutMillis + " ms for " + operation.describe() + " (waiting writers=" + writer.getQueueLength()
                + ")");
    }

    /** Gives back a turn {@link #enter(Operation)} took. */
    void leave(boolean taken) {
        if (taken && writer != null) {
            writer.unlock();
        }
    }
}
