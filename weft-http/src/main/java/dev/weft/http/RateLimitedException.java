package dev.weft.http;

import dev.weft.core.ErrorKind;
import java.time.Duration;
import java.util.Optional;

/**
 * No rate-limit permit came within the allowed wait, or the upstream answered 429 and retries could not absorb it.
 * Carries the wait before a permit is expected. Maps to 429 with {@code Retry-After}. Thread-safe.
 */
public final class RateLimitedException extends ApiException {
    private static final long serialVersionUID = 1L;
    private final Duration retryAfter;
    private final boolean fromUpstream;

    RateLimitedException(String client, String host, Duration retryAfter, String message, boolean fromUpstream) {
        super(ErrorKind.RATE_LIMITED, client, host, "rate_limited", message, null);
        this.retryAfter = retryAfter;
        this.fromUpstream = fromUpstream;
    }

    /**
     * Returns whether the upstream answered 429 (rather than this client's own limit refusing the call).
     *
     * @return whether the upstream answered 429 (rather than this client's own limit refusing the call)
     */
    public boolean fromUpstream() {
        return fromUpstream;
    }

    @Override
    public Optional<Duration> retryAfter() {
        return Optional.of(retryAfter);
    }
}
