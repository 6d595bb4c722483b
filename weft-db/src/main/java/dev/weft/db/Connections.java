package dev.weft.db;

import java.sql.Connection;
import java.sql.SQLException;
import org.jspecify.annotations.Nullable;

/**
 * Where a statement gets its connection: leased from the pool ({@link ConnectionLease}) or the one connection of an
 * open transaction ({@link JdbcTransaction}). The runners hand their JDBC work to it and get the result back;
 * whatever happens to the connection (retry, writer turn, eviction) stays on this side.
 */
sealed interface Connections permits ConnectionLease, JdbcTransaction {
    /** JDBC work on one connection. */
    @FunctionalInterface
    interface Work<T> {
        T run(Connection connection) throws SQLException;
    }

    /** A connection held beyond one call (streams); give it back with {@link #release(boolean)}. */
    interface Borrowed {
        Connection connection();

        /** Gives the connection back, or evicts it if {@code broken}; a second call does nothing. */
        void release(boolean broken);

        /**
         * Refuses a read on a connection that is no longer the borrower's: a transaction's, after it ended (the
         * connection is back in the pool, perhaps another caller's) or on another thread.
         *
         * @throws DatabaseException {@code transaction_finished} or {@code transaction_wrong_thread}
         */
        default void checkUsable() {
        }
    }

    /**
     * Runs work on a connection; a {@link SQLException} comes back translated.
     *
     * @param retry whether to retry transient faults (ignored inside a transaction, which owns its connection)
     */
    <T> T run(Operation operation, boolean retry, Work<T> work);

    /**
     * Runs work atomically: in its own short transaction (retried whole on a transient fault if asked), or inside
     * the open one.
     */
    <T> T runAtomically(Operation operation, boolean retry, Work<T> work);

    /** Lends a connection until the borrower releases it. */
    Borrowed borrow(Operation operation);

    /** @return the open transaction these connections belong to, or {@code null} for pooled ones */
    @Nullable JdbcTransaction transaction();
}
