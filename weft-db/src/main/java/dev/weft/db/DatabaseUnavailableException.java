package dev.weft.db;

import dev.weft.core.ErrorKind;
import java.time.Duration;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The database cannot be reached or refuses work: connection refused or lost, shutting down, too many
 * connections, or known to be down (then the call fails at once, without trying, and {@link #retryAfter()} says
 * when the database is probed next). Kind {@link ErrorKind#UNAVAILABLE} (HTTP 503), code
 * {@code database_unavailable}; retryable. Nothing was committed by the call that failed: a lost connection whose
 * outcome is unknown is a {@link CommitOutcomeUnknownException} instead.
 */
public class DatabaseUnavailableException extends DatabaseException {
    private static final long serialVersionUID = 1L;

    private final @Nullable Duration retryAfter;

    /**
     * @param message which database and what happened
     * @param sqlState the driver's SQLState, or {@code null}
     * @param cause the driver's exception, or {@code null}
     */
    public DatabaseUnavailableException(String message, @Nullable String sqlState, @Nullable Throwable cause) {
        this("database_unavailable", message, sqlState, cause);
    }

    /**
     * A failure that did not try the database because it is known to be down.
     *
     * @param message which database and since when it is down
     * @param retryAfter when trying again may succeed at the earliest
     */
    public DatabaseUnavailableException(String message, Duration retryAfter) {
        this(message, null, retryAfter);
    }

    /**
     * A failure that did not try the database because it is known to be down, with what the probe that found it
     * down saw.
     *
     * @param message which database, since when it is down, and why
     * @param cause the probe's failure (the driver's exception), or {@code null}
     * @param retryAfter when trying again may succeed at the earliest
     * @return the exception
     */
    public static DatabaseUnavailableException knownDown(String message, @Nullable Throwable cause,
            Duration retryAfter) {
        return new DatabaseUnavailableException(message, cause, retryAfter);
    }

    // private: beside the public (String, String, Throwable) constructor, a call with two nulls would be ambiguous
    private DatabaseUnavailableException(String message, @Nullable Throwable cause, Duration retryAfter) {
        super(ErrorKind.UNAVAILABLE, "database_unavailable", message, null, true, cause);
        this.retryAfter = java.util.Objects.requireNonNull(retryAfter, "retryAfter");
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
        this.retryAfter = null;
    }

    /** @return when trying again may succeed at the earliest, if known */
    @Override
    public Optional<Duration> retryAfter() {
        return Optional.ofNullable(retryAfter);
    }
}
