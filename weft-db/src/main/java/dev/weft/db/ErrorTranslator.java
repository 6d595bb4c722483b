package dev.weft.db;

import dev.weft.db.internal.ConnectionPool;
import dev.weft.db.internal.Dialect;
import dev.weft.db.internal.SqlErrors;
import dev.weft.db.internal.SqlFault;
import java.sql.SQLException;

/**
 * Turns a driver's {@link SQLException} into weft's exception for it, by SQLState class and dialect, and notes on
 * the operation whether its connection is still fit for reuse. Thread-safe.
 */
final class ErrorTranslator {
    private final String database;
    private final Dialect dialect;
    private final ConnectionPool pool;

    ErrorTranslator(String database, Dialect dialect, ConnectionPool pool) {
        this.database = database;
        this.dialect = dialect;
        this.pool = pool;
    }

    DatabaseException translate(SQLException error, Operation operation) {
        SqlFault fault = dialect.classify(error);
        if (fault == SqlFault.CONNECTION && Thread.currentThread().isInterrupted()) {
            // the caller was interrupted (a cancelled request, a structured-concurrency scope shutting down): an
            // interrupt closes a virtual thread's socket, which the driver reports as a lost connection. The database
            // is not down, the caller does not want a retry, and the flag stays set for it to see
            operation.broken = true;
            return DatabaseException.interrupted("database '" + database + "': " + operation.describe()
                    + " was interrupted; its connection is dropped", error);
        }
        DatabaseException translated = SqlErrors.translate(error, fault, database, operation.describe(),
                operation.timedOutAfter);
        if (operation.timedOutAfter != null || SqlErrors.poisonsConnection(fault)) {
            operation.broken = true;
        }
        if (fault == SqlFault.CONNECTION) {
            pool.suspect(); // a lost connection may be a lost server: have the health checker look now
        }
        return translated;
    }

    /**
     * Translates a failure of an operation that may have been committing: a {@code COMMIT}, or a write in
     * autocommit mode. A lost connection then leaves the outcome unknown (the server may have committed before the
     * reply was lost), which callers must be able to tell from "nothing was committed".
     */
    DatabaseException translateCommitting(SQLException error, Operation operation) {
        DatabaseException translated = translate(error, operation);
        if (translated instanceof QueryTimeoutException) {
            // the cancel races the statement: an autocommit write or a COMMIT may have finished before it arrived
            return new CommitOutcomeUnknownException("database '" + database + "': " + operation.describe()
                    + " was cancelled by its timeout while it may have been committing; the outcome is unknown",
                    translated.sqlState().orElse(null), error);
        }
        boolean interrupted = "interrupted".equals(translated.code());
        if (interrupted || translated instanceof DatabaseUnavailableException
                && !(translated instanceof DatabaseReadOnlyException)) {
            // an interrupt closes the socket as a lost connection does: the server may have committed all the same
            return new CommitOutcomeUnknownException("database '" + database + "': " + operation.describe()
                    + " lost its connection while the database may have been committing; the outcome is unknown",
                    translated.sqlState().orElse(null), error);
        }
        return translated;
    }
}
