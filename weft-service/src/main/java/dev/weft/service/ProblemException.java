package dev.weft.service;

import dev.weft.core.ErrorKind;
import dev.weft.core.WeftException;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A failure the HTTP edge answers with a status that {@link ErrorKind} alone does not name: 401, 403, 405, 413, 415,
 * 422, or a 400 with per-field {@link FieldError}s. Everything else is a plain {@link WeftException} mapped by kind.
 *
 * <p>Immutable; safe to share between threads.
 */
public final class ProblemException extends WeftException {
    private static final long serialVersionUID = 1L;

    /** One invalid field of a request. @param field the field's JSON path @param message what is wrong */
    public record FieldError(String field, String message) {
        /** Checks both parts are present. */
        public FieldError {
            Objects.requireNonNull(field, "field");
            Objects.requireNonNull(message, "message");
        }
    }

    private final int status;
    private final transient List<FieldError> errors;

    private ProblemException(int status, ErrorKind kind, String code, String message, List<FieldError> errors,
            @Nullable Throwable cause) {
        super(kind, code, message, cause);
        this.status = status;
        this.errors = List.copyOf(errors);
    }

    /**
     * @param status the HTTP status to answer
     * @param code a stable snake_case code
     * @param message the problem's detail; no secrets, no bound values
     * @return the exception
     */
    public static ProblemException of(int status, String code, String message) {
        return new ProblemException(status, kindOf(status), code, message, List.of(), null);
    }

    /**
     * @param code a stable snake_case code
     * @param message the detail
     * @param errors the invalid fields
     * @return a 400 naming the invalid fields
     */
    public static ProblemException invalid(String code, String message, List<FieldError> errors) {
        return new ProblemException(400, ErrorKind.INVALID_INPUT, code, message, errors, null);
    }

    /**
     * @param status the HTTP status
     * @param code a stable snake_case code
     * @param message the detail
     * @param errors the fields concerned
     * @return the exception
     */
    public static ProblemException ofErrors(int status, String code, String message, List<FieldError> errors) {
        return new ProblemException(status, kindOf(status), code, message, errors, null);
    }

    /**
     * @param field the invalid field
     * @param message what is wrong with it
     * @return a 400 {@code validation_failed} naming one field
     */
    public static ProblemException invalidField(String field, String message) {
        return invalid("validation_failed", field + ": " + message, List.of(new FieldError(field, message)));
    }

    /** @param message the detail @return a 401 {@code unauthorized} */
    public static ProblemException unauthorized(String message) {
        return of(401, "unauthorized", message);
    }

    /** @param message the detail @return a 403 {@code forbidden} */
    public static ProblemException forbidden(String message) {
        return of(403, "forbidden", message);
    }

    /** @param what what was not found, e.g. {@code user 7} @return a 404 {@code not_found} */
    public static ProblemException notFound(String what) {
        return of(404, "not_found", what + " not found");
    }

    /** @return the HTTP status */
    public int status() {
        return status;
    }

    /** @return the invalid fields; empty unless this is a validation failure */
    public List<FieldError> errors() {
        return errors;
    }

    private static ErrorKind kindOf(int status) {
        return switch (status) {
            case 401 -> ErrorKind.UNAUTHENTICATED;
            case 403 -> ErrorKind.FORBIDDEN;
            case 404 -> ErrorKind.NOT_FOUND;
            case 409 -> ErrorKind.CONFLICT;
            case 429 -> ErrorKind.RATE_LIMITED;
            case 503 -> ErrorKind.UNAVAILABLE;
            case 504 -> ErrorKind.TIMEOUT;
            case 502 -> ErrorKind.UPSTREAM;
            default -> status >= 500 ? ErrorKind.INTERNAL : ErrorKind.INVALID_INPUT;
        };
    }
}
