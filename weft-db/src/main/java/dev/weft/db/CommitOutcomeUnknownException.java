package dev.weft.db;

import dev.weft.core.ErrorKind;
import org.jspecify.annotations.Nullable;

/**
 * The connection was lost while the database may have been committing: during {@code COMMIT}, or during a write
 * that commits by itself (autocommit). The server may have committed it or not; only reading it back (or retrying
 * with an idempotency key) tells. Kind {@link ErrorKind#UNAVAILABLE} (HTTP 503), code
 * {@code commit_outcome_unknown}; <em>not</em> {@linkplain #retryable() retryable}, since a blind retry may apply
 * the write twice. Every other failure of a write means nothing was committed.
 */
public class CommitOutcomeUnknownException extends DatabaseException {
    private static final long serialVersionUID = 1L;

    /**
     * @param message which database and operation
     * @param sqlState the driver's SQLState, or {@code null}
     * @param cause the driver's exception
     */
    public CommitOutcomeUnknownException(String message, @Nullable String sqlState, @Nullable Throwable cause) {
        super(ErrorKind.UNAVAILABLE, "commit_outcome_unknown", message, sqlState, false, cause);
    }
}
