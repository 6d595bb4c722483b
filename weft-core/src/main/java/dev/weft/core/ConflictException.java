package dev.weft.core;

import org.jspecify.annotations.Nullable;

/**
 * The request conflicts with the current state: a duplicate, a changed version, an idempotency key reused with
 * another request. Kind {@link ErrorKind#CONFLICT} (HTTP 409).
 *
 * <p>Thrown as this class (not a subclass), its message is written for the client: an edge may show it as the
 * problem's detail, so it names no database, host, SQL or bound value.
 */
public class ConflictException extends WeftException {
    private static final long serialVersionUID = 1L;

    /**
     * @param code a stable code such as {@code duplicate_email}
     * @param message what conflicts, without sensitive values
     */
    public ConflictException(String code, String message) {
        this(code, message, null);
    }

    /**
     * @param code a stable code
     * @param message what conflicts
     * @param cause the original failure, or {@code null}
     */
    public ConflictException(String code, String message, @Nullable Throwable cause) {
        super(ErrorKind.CONFLICT, code, message, cause);
    }
}
