package dev.weft.http;

import dev.weft.core.ErrorKind;
import org.jspecify.annotations.Nullable;

/** The upstream answered with a body that is not what was asked for (not JSON, too large, wrong shape). Maps to 502. Thread-safe. */
public final class ResponseFormatException extends ApiException {
    private static final long serialVersionUID = 1L;

    ResponseFormatException(String client, String host, String code, String message, @Nullable Throwable cause) {
        super(ErrorKind.UPSTREAM, client, host, code, message, cause);
    }
}
