package dev.weft.db;

import dev.weft.db.internal.Dialect;
import java.sql.Connection;
import java.sql.SQLException;
import org.jspecify.annotations.Nullable;

/**
 * Runs {@code db.inTransaction(...)}: leases one connection ({@link ConnectionLease#hold}), begins, binds the
 * {@link JdbcTransaction} to the thread so that plain {@code db.query(...)} calls inside it join it, commits or
 * rolls back, restores the connection's settings, and invalidates the query cache at commit. A whole transaction
 * that failed on a serialization failure or deadlock is run again ({@link DatabaseRetry}). Thread-safe.
 */
final class TransactionRunner {
    /** The transaction open on this thread, so that plain {@code db.query(...)} calls inside it join it. */
    private static final ScopedValue<JdbcTransaction> OPEN = ScopedValue.newInstance();

    private final DatabaseStages stages;
    private final Dialect dialect;
    private final ConnectionLease lease;
    private final DatabaseRetry retry;
    private final StatementRunner runner;
    private final QueryCacheBinding cache;

    /** @param stages the database's stages, which the transactions it opens hand to their statements */
    TransactionRunner(DatabaseStages stages, Dialect dialect, ConnectionLease lease, DatabaseRetry retry,
            StatementRunner runner, QueryCacheBinding cache) {
        this.stages = stages;
        this.dialect = dialect;
        this.lease = lease;
        this.retry = retry;
        this.runner = runner;
        this.cache = cache;
    }

    /** @return the transaction of this database open on this thread, or {@code null} */
    @Nullable JdbcTransaction open() {
        if (OPEN.isBound()) {
            JdbcTransaction open = OPEN.get();
            return open.stages() == stages ? open : null;
        }
        return null;
    }

    <T, X extends Exception> T transaction(Isolation isolation, TransactionCallback<T, X> work) throws X {
        OperationLog log = runner.log();
        Operation operation = log.begin("transaction", "BEGIN");
        try {
            T result = retry.run(() -> once(isolation, work, operation), DatabaseRetry::serializationFailure);
            log.succeeded(operation, 0);
            return result;
        } catch (RuntimeException e) {
            throw log.failed(operation, e);
        } catch (Exception e) {
            log.failed(operation, new RuntimeException(e));
            throw e;
        }
    }

    private <T, X extends Exception> T once(Isolation isolation, TransactionCallback<T, X> work,
            Operation operation) throws X {
        operation.newAttempt();
        return lease.hold(operation, connection -> onConnection(connection, isolation, work, operation));
    }

    private <T, X extends Exception> T onConnection(Connection connection, Isolation isolation,
            TransactionCallback<T, X> work, Operation operation) throws X {
        int previousIsolation = -1;
        JdbcTransaction transaction = null;
        try {
            try {
                connection.setAutoCommit(false);
                if (isolation != Isolation.DEFAULT && dialect.type() != DatabaseType.SQLITE) {
                    previousIsolation = connection.getTransactionIsolation();
                    connection.setTransactionIsolation(isolation.jdbcLevel());
                }
            } catch (SQLException e) {
                throw runner.errors().translate(e, operation);
            }
            JdbcTransaction open = new JdbcTransaction(stages, dialect, connection, isolation);
            transaction = open;
            T result = ScopedValue.where(OPEN, open).call(() -> work.apply(open));
            if (open.isRollbackOnly()) {
                // asked for by the work: nothing it wrote is kept, so the query cache keeps what it holds
                try {
                    connection.rollback();
                } catch (SQLException e) {
                    throw runner.errors().translate(e, operation);
                }
                return result;
            }
            if (open.aborted()) {
                // the work caught a failed statement and returned: PostgreSQL would answer COMMIT with a silent
                // ROLLBACK, and after an InnoDB deadlock only what the work did after it would be committed; either
                // way the caller would take work that was thrown away for committed
                throw open.aborted(stages.config().name());
            }
            try {
                connection.commit();
            } catch (SQLException e) {
                throw runner.errors().translateCommitting(e, operation);
            }
            cache.invalidateAfterCommit(open.written());
            return result;
        } catch (Throwable failure) {
            if (!ConnectionLease.rollbackQuietly(connection, failure) || brokenBy(failure)) {
                operation.broken = true;
            }
            throw failure;
        } finally {
            if (transaction != null) {
                transaction.finish();
            }
            try {
                if (previousIsolation >= 0) {
                    connection.setTransactionIsolation(previousIsolation);
                }
                connection.setAutoCommit(true);
            } catch (SQLException e) {
                operation.broken = true;
            }
        }
    }

    private static boolean brokenBy(Throwable failure) {
        // an Error (an OutOfMemoryError while rows were read) may have left the protocol mid-message, even when the
        // rollback after it seemed to work
        return failure instanceof DatabaseUnavailableException || failure instanceof QueryTimeoutException
                || failure instanceof Error;
    }
}
