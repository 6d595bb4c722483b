package dev.weft.db;

import dev.weft.core.ErrorKind;
import org.jspecify.annotations.Nullable;

/**
 * The database cannot be reached or refuses work: connection refused or lost, shutting down, too many
 * connections. Kind {@link ErrorKind#UNAVAILABLE} (HTTP 503), code {@code database_unavailable}; retryable.
 */
public class DatabaseUnavailableException extends DatabaseException {
    private static final long serialVersionUID = 1L;

    /**
     * @param message which database and what happened
     * @param sqlState the driver's SQLState, or {@code null}
     * @param cause the driver's exception, or {@code null}
     */
    public DatabaseUnavailableException(String message, @Nullable String sqlState, @Nullable Throwable cause) {
        this("database_unavailable", message, sqlState, cause);
    }

    /**
     * @param code the error code
     * @param message which database and what happened
     * @param sqlState the driver's SQLState, or {@code null}
     * @param cause the driver's exception, or {@code null}
     */
    protected DatabaseUnavailableException(String code, String message, @Nullable String sqlState,
            @Nullable Throwable cause) {
        super(ErrorKind.UNAVAILABLE, code, message, sqlState, true, cause);
    }
}
