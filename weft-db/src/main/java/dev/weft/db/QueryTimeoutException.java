package dev.weft.db;

import dev.weft.core.ErrorKind;
import org.jspecify.annotations.Nullable;

/**
 * A statement ran longer than its timeout and was cancelled. Kind {@link ErrorKind#TIMEOUT} (HTTP 504), code
 * {@code query_timeout}. Not retried automatically: the same query would most likely time out again.
 */
public class QueryTimeoutException extends DatabaseException {
    private static final long serialVersionUID = 1L;

    /**
     * @param message which database, which statement, which timeout
     * @param sqlState the SQLState of the cancellation, or {@code null}
     * @param cause the driver's exception, or {@code null}
     */
    public QueryTimeoutException(String message, @Nullable String sqlState, @Nullable Throwable cause) {
        super(ErrorKind.TIMEOUT, "query_timeout", message, sqlState, false, cause);
    }
}
