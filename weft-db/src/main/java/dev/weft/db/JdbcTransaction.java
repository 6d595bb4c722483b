package dev.weft.db;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Savepoint;

/** A {@link Transaction} on one connection; nested calls become savepoints. Confined to one thread. */
final class JdbcTransaction extends Session implements Transaction {
    private final Engine engine;
    private final Connection connection;
    private final Isolation isolation;
    private final Thread owner = Thread.currentThread();
    private int depth;
    private boolean finished;
    private final java.util.Set<String> written = new java.util.HashSet<>();

    JdbcTransaction(Engine engine, Connection connection, Isolation isolation) {
        this.engine = engine;
        this.connection = connection;
        this.isolation = isolation;
    }

    @Override
    Engine engine() {
        return engine;
    }

    @Override
    Session current() {
        checkUsable();
        return this;
    }

    @Override
    <T> T run(Engine.Call call, boolean retry, Work<T> work) {
        checkUsable();
        call.newAttempt();
        try {
            return work.run(connection);
        } catch (SQLException e) {
            throw engine.translate(e, call);
        }
    }

    @Override
    <T> T runAtomically(Engine.Call call, boolean retry, Work<T> work) {
        return run(call, false, work);
    }

    @Override
    Borrowed borrow() {
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
        };
    }

    @Override
    public <T, X extends Exception> T inTransaction(Isolation nestedIsolation, TransactionCallback<T, X> work)
            throws X {
        checkUsable();
        Savepoint savepoint;
        try {
            savepoint = connection.setSavepoint();
        } catch (SQLException e) {
            throw engine.translate(e, engine.call("savepoint", "SAVEPOINT"));
        }
        depth++;
        try {
            T result = work.apply(this);
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

    void finish() {
        finished = true;
    }

    /** Records a query-cache tag to invalidate if, and when, the transaction commits. */
    void wrote(String tag) {
        written.add(tag);
    }

    java.util.Set<String> written() {
        return written;
    }

    private void checkUsable() {
        if (finished) {
            throw new DatabaseException(dev.weft.core.ErrorKind.INTERNAL, "transaction_finished",
                    "database '" + engine.config().name() + "': the transaction has already ended", null, false, null);
        }
        if (Thread.currentThread() != owner) {
            throw new DatabaseException(dev.weft.core.ErrorKind.INTERNAL, "transaction_wrong_thread",
                    "database '" + engine.config().name() + "': a transaction is confined to the thread that opened it",
                    null, false, null);
        }
    }
}
