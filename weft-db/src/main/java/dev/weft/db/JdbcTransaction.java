package dev.weft.db;

import dev.weft.db.internal.Dialect;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.util.HashSet;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * A {@link Transaction} on one connection, opened by {@link TransactionRunner}; nested calls become savepoints. As
 * a {@link Connections} it supplies that one connection to every statement run inside it, without retry (a retry
 * would leave the transaction) and without a writer turn (the transaction holds it). Confined to one thread.
 */
final class JdbcTransaction extends Session implements Transaction, Connections {
    private final DatabaseStages stages;
    private final Dialect dialect;
    private final Connection connection;
    private final Isolation isolation;
    private final Thread owner = Thread.currentThread();
    private int depth;
    // the levels, by depth, whose callback asked for a rollback instead of a commit
    private final java.util.BitSet rollbackOnly = new java.util.BitSet();
    private boolean finished;
    // a statement whose failure rolled back the whole transaction (an InnoDB deadlock), caught by the work
    private @Nullable DatabaseException rolledBackBy;
    private final Set<String> written = new HashSet<>();

    JdbcTransaction(DatabaseStages stages, Dialect dialect, Connection connection, Isolation isolation) {
        this.stages = stages;
        this.dialect = dialect;
        this.connection = connection;
        this.isolation = isolation;
    }

    @Override
    DatabaseStages stages() {
        return stages;
    }

    @Override
    Connections connections() {
        return this;
    }

    @Override
    Session current() {
        checkUsable();
        return this;
    }

    @Override
    public <T> T run(Operation operation, boolean retry, Work<T> work) {
        checkUsable();
        operation.newAttempt();
        try {
            return work.run(connection);
        } catch (SQLException e) {
            DatabaseException translated = stages.statements().errors().translate(e, operation);
            if (rolledBackBy == null && dialect.rolledBackTransaction(e)) {
                rolledBackBy = translated;
            }
            throw translated;
        }
    }

    @Override
    public <T> T runAtomically(Operation operation, boolean retry, Work<T> work) {
        return run(operation, false, work);
    }

    @Override
    public Borrowed borrow(Operation operation) {
        checkUsable();
        return new Borrowed() {
            @Override
            public Connection connection() {
                return connection;
            }

            @Override
            public void release(boolean broken) {
                // the transaction owns the connection
            }

            @Override
            public void checkUsable() {
                JdbcTransaction.this.checkUsable();
            }
        };
    }

    @Override
    public @Nullable JdbcTransaction transaction() {
        return this;
    }

    @Override
    public <T, X extends Exception> T inTransaction(Isolation nestedIsolation, TransactionCallback<T, X> work)
            throws X {
        checkUsable();
        Savepoint savepoint;
        try {
            savepoint = connection.setSavepoint();
        } catch (SQLException e) {
            throw stages.statements().errors().translate(e, new Operation("savepoint", "SAVEPOINT", null));
        }
        depth++;
        try {
            T result = work.apply(this);
            if (aborted()) {
                // the work caught a failed statement and returned; on PostgreSQL the whole transaction is aborted
                // until the savepoint is rolled back, so the level fails here, where its cause is, and the enclosing
                // level may go on (the work's writes before the failure are undone with the savepoint)
                if (rolledBackBy == null) {
                    // (after a deadlock the savepoint went with the transaction: nothing to roll back to)
                    try {
                        connection.rollback(savepoint);
                    } catch (SQLException e) {
                        throw stages.statements().errors().translate(e,
                                new Operation("rollback", "ROLLBACK TO SAVEPOINT", null));
                    }
                }
                throw aborted(stages.config().name());
            }
            if (rollbackOnly.get(depth)) {
                try {
                    connection.rollback(savepoint);
                } catch (SQLException e) {
                    throw stages.statements().errors().translate(e,
                            new Operation("rollback", "ROLLBACK TO SAVEPOINT", null));
                }
                return result;
            }
            try {
                connection.releaseSavepoint(savepoint);
            } catch (SQLException ignored) {
                // some drivers do not support RELEASE; the savepoint ends with the transaction anyway
            }
            return result;
        } catch (Throwable failure) {
            try {
                connection.rollback(savepoint);
            } catch (SQLException rollbackFailure) {
                failure.addSuppressed(rollbackFailure);
            }
            throw failure;
        } finally {
            rollbackOnly.clear(depth);
            depth--;
        }
    }

    @Override
    public Isolation isolation() {
        return isolation;
    }

    @Override
    public int depth() {
        return depth;
    }

    @Override
    public void setRollbackOnly() {
        checkUsable();
        rollbackOnly.set(depth);
    }

    @Override
    public boolean isRollbackOnly() {
        return rollbackOnly.get(depth);
    }

    void finish() {
        finished = true;
    }

    /**
     * @return whether a failed statement left the transaction unable to commit: PostgreSQL's aborted state, or an
     *     earlier failure that rolled it back whole (an InnoDB deadlock) and was caught by the work
     */
    boolean aborted() {
        if (rolledBackBy != null) {
            return true;
        }
        try {
            return dialect.transactionAborted(connection);
        } catch (SQLException e) {
            throw stages.statements().errors().translate(e, new Operation("transaction", "COMMIT", null));
        }
    }

    /**
     * @param database the database's name
     * @return what a commit of an {@link #aborted()} transaction fails with: after a deadlock that rolled it back, a
     *     serialization failure, so the whole transaction is run again; else {@code transaction_aborted}
     */
    DatabaseException aborted(String database) {
        DatabaseException cause = rolledBackBy;
        if (cause != null) {
            return new DatabaseException(dev.weft.core.ErrorKind.CONFLICT, "serialization_failure", "database '"
                    + database + "': the transaction was rolled back by the database at a deadlock that its work caught"
                    + " and went on from; nothing of it is committed, and it may be run again whole", cause.sqlState()
                    .orElse(null), true, cause);
        }
        return new DatabaseException(dev.weft.core.ErrorKind.INTERNAL, "transaction_aborted", "database '" + database
                + "': the transaction was rolled back, not committed: a statement in it failed, and PostgreSQL ignores"
                + " everything after a failure in a transaction; to go on after a statement that may fail, run it in a"
                + " nested inTransaction (a savepoint) and let its exception leave that callback", "25P02", false,
                null);
    }

    /** Records a query-cache tag to invalidate if, and when, the transaction commits. */
    void wrote(String tag) {
        written.add(tag);
    }

    Set<String> written() {
        return written;
    }

    private void checkUsable() {
        String name = stages.config().name();
        if (finished) {
            throw new DatabaseException(dev.weft.core.ErrorKind.INTERNAL, "transaction_finished",
                    "database '" + name + "': the transaction has already ended", null, false, null);
        }
        if (Thread.currentThread() != owner) {
            throw new DatabaseException(dev.weft.core.ErrorKind.INTERNAL, "transaction_wrong_thread",
                    "database '" + name + "': a transaction is confined to the thread that opened it", null, false,
                    null);
        }
    }
}
