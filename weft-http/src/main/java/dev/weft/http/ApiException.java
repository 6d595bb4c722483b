package dev.weft.http;

import dev.weft.core.ErrorKind;
import dev.weft.core.WeftException;
import org.jspecify.annotations.Nullable;

/**
 * Root of weft-http's failures. Each carries the client's name and the host ({@code host:port}) it was talking to,
 * and an {@link ErrorKind} that the service maps to a status (DESIGN §4): timeouts 504, unreachable hosts, open
 * breakers and exhausted budgets 503, rate limits 429, upstream errors 502, a caller's bad path or host 400.
 * Messages never contain a token, a header value or a request body. A failure that knows how long the caller should
 * wait (an open breaker, a rate limit, a server's {@code Retry-After}) says so in {@link #retryAfter()}, so callers
 * need not test for the subtypes.
 */
public abstract class ApiException extends WeftException {
    private static final long serialVersionUID = 1L;

    private final String client;
    private final String host;

    /**
     * Creates the exception; the message is prefixed with the client and host.
     *
     * @param kind the kind
     * @param client the client name
     * @param host the host:port
     * @param code the stable code
     * @param message the message
     * @param cause the cause, or {@code null}
     */
    protected ApiException(ErrorKind kind, String client, String host, String code, String message,
            @Nullable Throwable cause) {
        super(kind, code, "api '" + client + "' " + host + ": " + message, cause);
        this.client = client;
        this.host = host;
    }

    /**
     * Returns the name of the client that failed.
     *
     * @return the name of the client that failed
     */
    public String client() {
        return client;
    }

    /**
     * Returns the {@code host:port} the call went to.
     *
     * @return the {@code host:port} the call went to
     */
    public String host() {
        return host;
    }
}
