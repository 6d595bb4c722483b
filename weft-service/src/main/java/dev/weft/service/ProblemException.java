package dev.weft.service;

import dev.weft.core.ErrorKind;
import dev.weft.core.WeftException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import org.jspecify.annotations.Nullable;

/**
 * A failure whose detail is written for the client: the edge answers it with its message (other weft exceptions get a
 * generic detail, since their messages name databases and operations) and, for a validation failure, the invalid
 * {@link FieldError}s. Like every {@link WeftException} it carries an {@link ErrorKind}, and the kind decides the
 * status ({@link ErrorKind#httpStatus()}). The one exception: four statuses HTTP uses to say more precisely why input
 * was refused (405, 413, 415, 422) have no kind of their own; such a problem is {@link ErrorKind#INVALID_INPUT} and
 * carries the precise status in {@link #refinedStatus()}.
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

    /** The refusals of input HTTP names more precisely than 400: wrong method, too large, media type, unprocessable. */
    private static final List<Integer> REFINED_INPUT_STATUSES = List.of(405, 413, 415, 422);

    /** 0, or a status of {@link #REFINED_INPUT_STATUSES}. */
    private final int refinedStatus;
    private final transient List<FieldError> errors;
    private final transient @Nullable Duration retryAfter;

    private ProblemException(ErrorKind kind, int refinedStatus, String code, String message, List<FieldError> errors,
            @Nullable Duration retryAfter) {
        super(kind, code, message, null);
        this.refinedStatus = refinedStatus;
        this.errors = List.copyOf(errors);
        this.retryAfter = retryAfter;
    }

    /**
     * @param kind the kind, which decides the status
     * @param code a stable snake_case code
     * @param message the problem's detail; no secrets, no bound values
     * @return the exception
     */
    public static ProblemException of(ErrorKind kind, String code, String message) {
        return new ProblemException(Objects.requireNonNull(kind, "kind"), 0, code, message, List.of(), null);
    }

    /**
     * A problem named by its HTTP status: the kind whose {@link ErrorKind#httpStatus()} it is, or
     * {@link ErrorKind#INVALID_INPUT} refined to 405, 413, 415 or 422.
     *
     * @param status the HTTP status to answer
     * @param code a stable snake_case code
     * @param message the problem's detail; no secrets, no bound values
     * @return the exception
     * @throws IllegalArgumentException for a status that is neither a kind's nor one of the four refinements
     */
    public static ProblemException of(int status, String code, String message) {
        return ofErrors(status, code, message, List.of());
    }

    /**
     * @param code a stable snake_case code
     * @param message the detail
     * @param errors the invalid fields
     * @return a 400 naming the invalid fields
     */
    public static ProblemException invalid(String code, String message, List<FieldError> errors) {
        return new ProblemException(ErrorKind.INVALID_INPUT, 0, code, message, errors, null);
    }

    /**
     * @param status the HTTP status, as for {@link #of(int, String, String)}
     * @param code a stable snake_case code
     * @param message the detail
     * @param errors the fields concerned
     * @return the exception
     */
    public static ProblemException ofErrors(int status, String code, String message, List<FieldError> errors) {
        for (ErrorKind kind : ErrorKind.values()) {
            if (kind.httpStatus() == status) {
                return new ProblemException(kind, 0, code, message, errors, null);
            }
        }
        if (!REFINED_INPUT_STATUSES.contains(status)) {
            throw new IllegalArgumentException("no error kind answers HTTP " + status + " (code " + code + ")");
        }
        return new ProblemException(ErrorKind.INVALID_INPUT, status, code, message, errors, null);
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
        return of(ErrorKind.UNAUTHENTICATED, "unauthorized", message);
    }

    /** @param message the detail @return a 403 {@code forbidden} */
    public static ProblemException forbidden(String message) {
        return of(ErrorKind.FORBIDDEN, "forbidden", message);
    }

    /** @param what what was not found, e.g. {@code user 7} @return a 404 {@code not_found} */
    public static ProblemException notFound(String what) {
        return of(ErrorKind.NOT_FOUND, "not_found", what + " not found");
    }

    /**
     * @param message the detail
     * @param retryAfter when a retry may succeed (rounded up to whole seconds in {@code Retry-After})
     * @return a 429 {@code rate_limited}
     */
    public static ProblemException rateLimited(String message, Duration retryAfter) {
        return new ProblemException(ErrorKind.RATE_LIMITED, 0, "rate_limited", message, List.of(),
                Objects.requireNonNull(retryAfter, "retryAfter"));
    }

    /**
     * @param code a stable snake_case code
     * @param message the detail
     * @param retryAfter when a retry may succeed (rounded up to whole seconds in {@code Retry-After})
     * @return a 503 that tells the client when to try again
     */
    public static ProblemException unavailable(String code, String message, Duration retryAfter) {
        return new ProblemException(ErrorKind.UNAVAILABLE, 0, code, message, List.of(),
                Objects.requireNonNull(retryAfter, "retryAfter"));
    }

    /**
     * @return the status when HTTP names this refusal of input more precisely than {@link ErrorKind#INVALID_INPUT}'s
     *     400 (405, 413, 415 or 422); empty when the kind's status is the answer
     */
    public OptionalInt refinedStatus() {
        return refinedStatus == 0 ? OptionalInt.empty() : OptionalInt.of(refinedStatus);
    }

    /** @return the invalid fields; empty unless this is a validation failure */
    public List<FieldError> errors() {
        return errors;
    }

    @Override
    public Optional<Duration> retryAfter() {
        return Optional.ofNullable(retryAfter);
    }
}
