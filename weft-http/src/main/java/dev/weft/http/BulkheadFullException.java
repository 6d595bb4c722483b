package dev.weft.http;

import dev.weft.core.ErrorKind;
import org.jspecify.annotations.Nullable;

/**
 * Every connection slot to the host ({@code max-concurrent-per-host}) stayed taken until the call's deadline (its
 * {@link ApiRequest#timeout} or the config's total timeout): the call was never sent. Usually the caller's own open
 * {@link ApiStream}s or slow calls hold them. A timeout ({@link ErrorKind#TIMEOUT}, maps to 504) with the code
 * {@code bulkhead_full}, so it can be told from an upstream that was slow. Thread-safe.
 */
public final class BulkheadFullException extends ApiException {
    private static final long serialVersionUID = 1L;

    BulkheadFullException(String client, String host, String code, String message, @Nullable Throwable cause) {
        super(ErrorKind.TIMEOUT, client, host, code, message, cause);
    }
}
