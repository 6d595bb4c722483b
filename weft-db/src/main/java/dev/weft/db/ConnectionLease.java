package dev.weft.db;

import dev.weft.core.WeftException;
import dev.weft.db.internal.ConnectionPool;
import dev.weft.db.internal.JdbcDrivers;
import java.sql.Connection;
import java.sql.SQLException;
import org.jspecify.annotations.Nullable;

/**
 * The one place a connection is leased from the pool: the SQLite writer turn, acquire, the work, then release, or
 * evict when the operation left the connection broken; around it the retry of transient faults. Statements
 * ({@link #run}, {@link #runAtomically}), streams ({@link #borrow}) and transactions ({@link #hold}) all pass here,
 * so no other class touches {@link ConnectionPool#acquire()}, {@link ConnectionPool#release} or
 * {@link ConnectionPool#evict} (ArchitectureTest checks it). Thread-safe.
 */
final class ConnectionLease implements Connections {
    private final ConnectionPool pool;
    private final SqliteWriterTurn writerTurn;
    private final DatabaseRetry retry;
    private final ErrorTranslator errors;
    private final WriteTags writeTags;

    ConnectionLease(ConnectionPool pool, SqliteWriterTurn writerTurn, DatabaseRetry retry, ErrorTranslator errors,
            WriteTags writeTags) {
        this.pool = pool;
        this.writerTurn = writerTurn;
        this.retry = retry;
        this.errors = errors;
        this.writeTags = writeTags;
    }

    /** Work on a held connection that may throw the caller's own exception (a transaction callback's). */
    @FunctionalInterface
    interface Held<T, X extends Exception> {
        T run(Connection connection) throws X;
    }

    @Override
    public <T> T run(Operation operation, boolean retried, Work<T> work) {
        if (!retried) {
            return once(operation, work);
        }
        return retry.run(() -> once(operation, work), DatabaseRetry::transientFault);
    }

    private <T> T once(Operation operation, Work<T> work) {
        operation.newAttempt();
        return hold(operation, connection -> {
            try {
                return work.run(connection);
            } catch (SQLException e) {
                // A write in autocommit mode commits by itself: losing the connection during it leaves the outcome
                // unknown. Atomic work commits explicitly, and its COMMIT is translated where it is sent.
                throw !operation.atomic && writeTags.writes(operation)
                        ? errors.translateCommitting(e, operation) : errors.translate(e, operation);
            } catch (Error e) {
                // an OutOfMemoryError while rows were read: whatever the connection has left unread, the next borrower
                // would read (pgjdbc then fails with "Received resultset tuples, but no field structure")
                operation.broken = true;
                throw e;
            } catch (RuntimeException e) {
                if (!(e instanceof WeftException) && thrownByTheDriver(e)) {
                    operation.broken = true; // the driver out of step with its own protocol; a row mapper's is not
                }
                throw e;
            }
        });
    }

    @Override
    public <T> T runAtomically(Operation operation, boolean retried, Work<T> work) {
        operation.atomic = true;
        return run(operation, retried, connection -> {
            connection.setAutoCommit(false);
            T result;
            try {
                result = work.run(connection);
                try {
                    connection.commit();
                } catch (SQLException e) {
                    throw errors.translateCommitting(e, operation);
                }
            } catch (SQLException | RuntimeException | Error e) {
                rollbackQuietly(connection, e);
                try {
                    connection.setAutoCommit(true);
                } catch (SQLException restore) {
                    e.addSuppressed(restore); // the first failure says what happened; this one only follows it
                }
                throw e;
            }
            connection.setAutoCommit(true);
            return result;
        });
    }

    /**
     * Holds a connection for the length of {@code work}: takes the writer turn if the operation writes, acquires,
     * runs, and gives the connection back, evicting it if the work marked {@link Operation#broken}.
     */
    <T, X extends Exception> T hold(Operation operation, Held<T, X> work) throws X {
        long waitStart = operation.span != null ? System.nanoTime() : 0;
        boolean turn = writerTurn.enter(operation);
        try {
            Connection connection = pool.acquire();
            if (operation.span != null) {
                DbTracing.waited(operation.span, System.nanoTime() - waitStart);
            }
            try {
                return work.run(connection);
            } finally {
                giveBack(connection, operation.broken);
            }
        } finally {
            writerTurn.leave(turn);
        }
    }

    /**
     * Whether a runtime failure was thrown by the JDBC driver or the pool (the first frame outside the JDK is theirs),
     * not by a caller's row mapper, whose exception says nothing about the connection.
     */
    static boolean thrownByTheDriver(RuntimeException failure) {
        for (StackTraceElement frame : failure.getStackTrace()) {
            String type = frame.getClassName();
            if (type.startsWith("java.") || type.startsWith("jdk.") || type.startsWith("sun.")) {
                continue;
            }
            return JdbcDrivers.isDriverOrPool(type);
        }
        return true; // no stack to tell by: assume the worst
    }

    @Override
    public Borrowed borrow(Operation operation) {
        Connection connection = pool.acquire();
        return new Borrowed() {
            private boolean released;

            @Override
            public Connection connection() {
                return connection;
            }

            @Override
            public void release(boolean broken) {
                if (!released) {
                    released = true;
                    giveBack(connection, broken);
                }
            }
        };
    }

    private void giveBack(Connection connection, boolean broken) {
        if (broken) {
            pool.evict(connection);
        } else {
            pool.release(connection);
        }
    }

    @Override
    public @Nullable JdbcTransaction transaction() {
        return null;
    }

    /** @return whether the rollback succeeded; a failed one is added to {@code failure} as suppressed */
    static boolean rollbackQuietly(Connection connection, Throwable failure) {
        try {
            connection.rollback();
            return true;
        } catch (SQLException e) {
            failure.addSuppressed(e);
            return false;
        }
    }
}
