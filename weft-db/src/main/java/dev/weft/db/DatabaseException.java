package dev.weft.db;

import dev.weft.core.ErrorKind;
import dev.weft.core.WeftException;
import org.jspecify.annotations.Nullable;

/**
 * A failure reported by the database or its driver, translated from the driver's {@link java.sql.SQLException}
 * by SQLState and vendor code; the original is the {@link #getCause() cause}. Subtypes name the cases callers
 * handle: {@link QueryTimeoutException}, {@link ConstraintViolationException},
 * {@link DatabaseUnavailableException} and {@link PoolExhaustedException}. Anything else, such as a syntax
 * error, is a plain {@code DatabaseException} of kind {@link ErrorKind#INTERNAL} (a bug, HTTP 500), or of kind
 * {@link ErrorKind#INVALID_INPUT} for a value the database rejected (SQLState class 22, HTTP 400).
 *
 * <p>The message names the database instance and the operation; it never contains bound values or more than
 * a short prefix of the SQL text.
 */
public class DatabaseException extends WeftException {
    private static final long serialVersionUID = 1L;

    private final @Nullable String sqlState;
    private final boolean transientFault;

    /**
     * @param kind the kind of failure
     * @param code a stable code such as {@code sql_error}
     * @param message what failed, in which database instance
     * @param sqlState the driver's SQLState, or {@code null}
     * @param transientFault whether retrying the same work may succeed
     * @param cause the driver's exception, or {@code null}
     */
    public DatabaseException(ErrorKind kind, String code, String message, @Nullable String sqlState,
            boolean transientFault, @Nullable Throwable cause) {
        super(kind, code, message, cause);
        this.sqlState = sqlState;
        this.transientFault = transientFault;
    }

    /**
     * The caller's thread was interrupted while it waited for a connection, a writer turn or a key batch, or during a
     * statement: code {@code interrupted}, never retried (the caller is being cancelled), the interrupt flag left set.
     *
     * @param message what was interrupted, in which database instance
     * @param cause what the wait or the driver threw, or {@code null}
     * @return the exception
     */
    public static DatabaseException interrupted(String message, @Nullable Throwable cause) {
        return new DatabaseException(ErrorKind.UNAVAILABLE, "interrupted", message,
                cause instanceof java.sql.SQLException sql ? sql.getSQLState() : null, false, cause);
    }

    /** @return the SQLState the driver reported, if any */
    public java.util.Optional<String> sqlState() {
        return java.util.Optional.ofNullable(sqlState);
    }

    /** @return whether retrying the same work may succeed (connection loss, serialization failure, deadlock) */
    @Override
    public boolean retryable() {
        return transientFault;
    }
}
