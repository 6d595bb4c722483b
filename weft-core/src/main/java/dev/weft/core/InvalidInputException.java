package dev.weft.core;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The caller passed something weft refuses: an identifier outside the allowed pattern, a missing or unknown
 * parameter, a value weft cannot bind. Kind {@link ErrorKind#INVALID_INPUT} (HTTP 400). Nothing was sent to any
 * server when this is thrown by weft's own checks.
 */
public class InvalidInputException extends WeftException {
    private static final long serialVersionUID = 1L;

    private final String field;

    /**
     * @param code a stable code such as {@code invalid_identifier}
     * @param field the name of the offending field, parameter or setting
     * @param message what is wrong, without the offending value if it may be sensitive
     */
    public InvalidInputException(String code, String field, String message) {
        this(code, field, message, null);
    }

    /**
     * @param code a stable code such as {@code invalid_value}
     * @param field the name of the offending field or parameter
     * @param message what is wrong
     * @param cause the original failure, or {@code null}
     */
    public InvalidInputException(String code, String field, String message, @Nullable Throwable cause) {
        super(ErrorKind.INVALID_INPUT, code, message, cause);
        this.field = Objects.requireNonNull(field, "field");
    }

    /** @return the name of the offending field, parameter or identifier role */
    public String field() {
        return field;
    }
}
