package dev.weft.db;

import dev.weft.core.ErrorKind;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A database could not be connected to at all, with the root cause ({@link #failure()}): thrown by
 * {@link ConnectProbe#await}. A {@linkplain ConnectFailure#permanent() permanent} cause (the database does not
 * exist, the login is refused, the directory cannot be written) is a mistake in the settings, kind
 * {@link ErrorKind#INVALID_INPUT}; any other is kind {@link ErrorKind#UNAVAILABLE} and retryable. The code is the
 * cause's ({@code connection_refused}, {@code database_not_found}, ...).
 */
public final class DatabaseUnreachableException extends DatabaseException {
    private static final long serialVersionUID = 1L;

    private final ConnectFailure failure;

    /**
     * @param message which database, what happened, and the fix
     * @param failure the root cause
     * @param cause the driver's exception, for the log, or {@code null}
     */
    public DatabaseUnreachableException(String message, ConnectFailure failure, @Nullable Throwable cause) {
        super(failure.permanent() ? ErrorKind.INVALID_INPUT : ErrorKind.UNAVAILABLE, failure.reason().code(),
                message, null, !failure.permanent(), cause);
        this.failure = Objects.requireNonNull(failure, "failure");
    }

    /** @return the root cause */
    public ConnectFailure failure() {
        return failure;
    }
}
