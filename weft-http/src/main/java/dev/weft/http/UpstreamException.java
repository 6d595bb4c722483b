package dev.weft.http;

import dev.weft.core.ErrorKind;
import java.time.Duration;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The upstream answered with an error status (4xx other than 429, or 5xx), or a download got a 3xx. Carries the status and at most 1 KiB of
 * the body, so a caller can tell a 404 from a 500 without the client buffering a large error page. Maps to 502:
 * the upstream's failure is not the caller's. Thread-safe.
 */
public final class UpstreamException extends ApiException {
    private static final long serialVersionUID = 1L;
    /** The most of an error body kept. */
    public static final int MAX_EXCERPT_BYTES = 1024;

    private final int status;
    private final String bodyExcerpt;
    private final @Nullable Duration retryAfter;

    UpstreamException(String client, String host, String method, String uriTemplate, int status, String bodyExcerpt,
            @Nullable Duration retryAfter) {
        super(ErrorKind.UPSTREAM, client, host, "upstream_error",
                method + " " + uriTemplate + " answered " + status, null);
        this.status = status;
        this.bodyExcerpt = bodyExcerpt;
        this.retryAfter = retryAfter;
    }

    /**
     * Returns the upstream's HTTP status.
     *
     * @return the upstream's HTTP status
     */
    public int status() {
        return status;
    }

    /**
     * Returns up to {@link #MAX_EXCERPT_BYTES} bytes of the error body, decoded as UTF-8.
     *
     * @return up to {@link #MAX_EXCERPT_BYTES} bytes of the error body, decoded as UTF-8
     */
    public String bodyExcerpt() {
        return bodyExcerpt;
    }

    /** Upstream 5xx (and 408) are worth retrying; other 4xx are not. */
    @Override
    public boolean retryable() {
        return status >= 500 || status == 408;
    }

    @Override
    public Optional<Duration> retryAfter() {
        return Optional.ofNullable(retryAfter);
    }
}
