package dev.weft.db.internal;

import java.sql.Statement;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * Cancels statements that outlive their timeout, with millisecond precision on every driver (JDBC's own
 * {@code setQueryTimeout} has whole seconds). One daemon platform thread only keeps time; the cancel itself,
 * which does network I/O on most drivers, runs on a virtual thread.
 *
 * <p>Thread-safe.
 */
public final class StatementWatchdog implements AutoCloseable {
    private final ScheduledThreadPoolExecutor timer;

    /** @param name the database's name, for the timer thread's name */
    public StatementWatchdog(String name) {
        timer = new ScheduledThreadPoolExecutor(1, runnable -> {
            Thread thread = new Thread(runnable, "weft-db-" + name + "-watchdog");
            thread.setDaemon(true);
            return thread;
        });
        timer.setRemoveOnCancelPolicy(true);
    }

    /**
     * Starts watching a statement.
     *
     * @param statement the statement about to run
     * @param timeout its timeout; {@link Duration#ZERO} for none
     * @return a guard that the caller closes when the statement has finished
     */
    public Guard watch(Statement statement, Duration timeout) {
        if (timeout.isZero()) {
            return Guard.NONE;
        }
        Guard guard = new Guard(statement);
        guard.future = timer.schedule(guard::fire, timeout.toNanos(), TimeUnit.NANOSECONDS);
        return guard;
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }

    /** One watched statement. {@link #close()} stops the watch; {@link #fired()} tells whether it cancelled. */
    public static final class Guard implements AutoCloseable {
        static final Guard NONE = new Guard(null);
        private static final int RUNNING = 0;
        private static final int DONE = 1;
        private static final int CANCELLING = 2;

        private final @Nullable Statement statement; // null for NONE, which never fires
        private final AtomicInteger state = new AtomicInteger(RUNNING);
        private volatile @Nullable ScheduledFuture<?> future;
        private volatile @Nullable Thread canceller;

        private Guard(@Nullable Statement statement) {
            this.statement = statement;
        }

        private void fire() {
            if (state.compareAndSet(RUNNING, CANCELLING)) {
                Statement running = Objects.requireNonNull(statement, "statement"); // NONE is never scheduled
                canceller = Thread.ofVirtual().name("weft-db-cancel").start(() -> {
                    try {
                        running.cancel();
                    } catch (Exception ignored) {
                        // the statement finished or the connection died: either way it is no longer running
                    }
                });
            }
        }

        /** @return whether the timeout fired and the statement was cancelled */
        public boolean fired() {
            return state.get() == CANCELLING;
        }

        /**
         * Stops watching. If the cancel already started, waits for it to finish, so that it cannot hit the next
         * statement on the same connection; the caller then discards the connection.
         */
        @Override
        public void close() {
            if (this == NONE) {
                return;
            }
            if (state.compareAndSet(RUNNING, DONE)) {
                ScheduledFuture<?> scheduled = future;
                if (scheduled != null) {
                    scheduled.cancel(false);
                }
                return;
            }
            Thread thread;
            while ((thread = canceller) == null) {
                Thread.onSpinWait(); // fire() won the race and is about to publish its thread
            }
            {
                try {
                    thread.join(Duration.ofSeconds(5));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }
}
