package dev.weft.service.data;

import dev.weft.db.DatabaseType;
import dev.weft.service.ProblemException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * Lets one writer at a time reach a SQLite database; a no-op for the server databases.
 *
 * <p>Why: SQLite allows one writer, and a second one waits inside the driver's native busy handler. That native wait
 * pins the virtual thread's carrier; with two carriers (a 2-core machine), two waiting writers stall the writer that
 * holds the lock, and every request waits out the busy timeout. Queueing writers here instead parks them as virtual
 * threads, in FIFO order, before they take a connection. The lock is reentrant, so a transaction and the writes
 * inside it take it once. Readers never take it (WAL readers do not wait for the writer).
 *
 * <p>Thread-safe.
 */
public final class WriteGate {
    /** The longest a writer waits for its turn. */
    public static final Duration DEFAULT_WAIT = Duration.ofSeconds(30);

    private final ReentrantLock lock;
    private final Duration wait;

    private WriteGate(boolean enabled, Duration wait) {
        this.lock = enabled ? new ReentrantLock(true) : null;
        this.wait = wait;
    }

    /** @param type the dialect @return a gate that serialises writers on SQLite and does nothing otherwise */
    public static WriteGate forType(DatabaseType type) {
        return new WriteGate(type == DatabaseType.SQLITE, DEFAULT_WAIT);
    }

    /**
     * Runs a write (a statement or a whole transaction) in its turn.
     *
     * @param write the write
     * @param <T> its result
     * @return its result
     * @throws ProblemException 503 {@code database_busy} if the turn does not come within the wait
     */
    public <T> T call(Supplier<T> write) {
        if (lock == null) {
            return write.get();
        }
        try {
            if (!lock.tryLock(wait.toMillis(), TimeUnit.MILLISECONDS)) {
                throw ProblemException.of(503, "database_busy", "the database's writer queue is full; retry later");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ProblemException.of(503, "database_busy", "interrupted while waiting to write to the database");
        }
        try {
            return write.get();
        } finally {
            lock.unlock();
        }
    }

    /** @param write a write without result */
    public void run(Runnable write) {
        call(() -> {
            write.run();
            return null;
        });
    }
}
