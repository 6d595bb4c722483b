package dev.weft.http;

import dev.weft.core.ErrorKind;
import org.jspecify.annotations.Nullable;

/** Too many calls were in flight to the host and none finished within the wait. Maps to 503. Thread-safe. */
public final class BulkheadFullException extends ApiException {
    private static final long serialVersionUID = 1L;

    BulkheadFullException(String client, String host, String code, String message, @Nullable Throwable cause) {
        super(ErrorKind.UNAVAILABLE, client, host, code, message, cause);
    }
}
