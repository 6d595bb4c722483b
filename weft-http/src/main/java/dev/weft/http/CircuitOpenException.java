package dev.weft.http;

import dev.weft.core.ErrorKind;
import java.time.Duration;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/** The host's circuit breaker is open; the call failed at once without being sent. Maps to 503. Thread-safe. */
public final class CircuitOpenException extends ApiException {
    private static final long serialVersionUID = 1L;
    private final Duration retryAfter;

    CircuitOpenException(String client, String host, Duration retryAfter, @Nullable Throwable cause) {
        super(ErrorKind.UNAVAILABLE, client, host, "circuit_open",
                "circuit breaker is open; call not sent (retry in " + retryAfter.toMillis() + " ms)", cause);
        this.retryAfter = retryAfter;
    }

    @Override
    public Optional<Duration> retryAfter() {
        return Optional.of(retryAfter);
    }
}
