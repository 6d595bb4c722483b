package dev.weft.db;

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
    private final Connection connection;
    private final Isolation isolation;
    private final Thread owner = Thread.currentThread();
    private int depth;
    // the levels, by depth, whose callback asked for a rollback instead of a commit
    private final java.util.BitSet rollbackOnly = new java.util.BitSet();
    private boolean finished;
    private final Set<String> written = new HashSet<>();

    JdbcTransaction(DatabaseStages stages, Connection connection, Isolation isolation) {
        this.stages = stages;
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
            throw stages.statements().errors().translate(e, operation);
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
