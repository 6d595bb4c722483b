package dev.weft.service.http;

import io.opentelemetry.api.trace.SpanContext;
import java.util.Optional;

/**
 * What code below the edge may read about the request its thread serves, without the edge's own state: its id and
 * its server span, for work that outlives the request (a job records both, to join the request's logs and trace).
 *
 * <p>Stateless and thread-safe.
 */
public final class CurrentRequest {
    private CurrentRequest() {
    }

    /** @return the {@code X-Request-Id} of the request this thread serves; empty outside a request */
    public static Optional<String> id() {
        RequestState state = RequestState.current();
        return state == null ? Optional.empty() : Optional.of(state.requestId());
    }

    /**
     * The request's server span, which is not the current span while a library's span is (a transaction's): work
     * the request leaves behind hangs off the request itself.
     *
     * @return the server span's context; empty outside a request or without tracing
     */
    public static Optional<SpanContext> span() {
        RequestState state = RequestState.current();
        return state == null ? Optional.empty() : Optional.ofNullable(state.span());
    }
}
