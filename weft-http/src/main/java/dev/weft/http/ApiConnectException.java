package dev.weft.http;

import dev.weft.core.ErrorKind;
import org.jspecify.annotations.Nullable;

/**
 * The host could not be reached or the connection broke: refused, reset, closed without an answer, DNS or TLS
 * failure. Maps to 503. TLS failures and interruptions are not retryable; the rest are. Thread-safe.
 */
public final class ApiConnectException extends ApiException {
    private static final long serialVersionUID = 1L;
    private final boolean retryable;

    ApiConnectException(String client, String host, String code, String message, @Nullable Throwable cause) {
        this(client, host, code, message, cause, true);
    }

    ApiConnectException(String client, String host, String code, String message, @Nullable Throwable cause,
            boolean retryable) {
        super(ErrorKind.UNAVAILABLE, client, host, code, message, cause);
        this.retryable = retryable;
    }

    @Override
    public boolean retryable() {
        return retryable;
    }
}
