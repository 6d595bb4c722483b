package dev.weft.http;

import dev.weft.core.ErrorKind;
import org.jspecify.annotations.Nullable;

/** The call did not finish before its deadline (connect, read or total). Maps to 504. Thread-safe. */
public final class ApiTimeoutException extends ApiException {
    private static final long serialVersionUID = 1L;

    ApiTimeoutException(String client, String host, String code, String message, @Nullable Throwable cause) {
        super(ErrorKind.TIMEOUT, client, host, code, message, cause);
    }
}
