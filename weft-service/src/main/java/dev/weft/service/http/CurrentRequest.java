package dev.weft.service.http;

import java.util.Optional;

/**
 * What code below the edge may read about the request its thread serves, without the edge's own state: its id, for
 * work that outlives the request (a job records the id of the request that submitted it).
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
}
