package dev.weft.service.http;

import dev.weft.service.Principal;
import io.opentelemetry.api.trace.SpanContext;
import org.jspecify.annotations.Nullable;

/**
 * What the edge learns about one request on its way in: the request id ({@link RequestIdFilter}), the caller
 * ({@link ApiKeySecurity}), the status counted for a failure that the response does not show (a client that went
 * away, an answer that broke off) and the exception that produced an error answer. Bound for the request's filters,
 * route and error handler through {@link #CURRENT}, which is how the filters, which run before routing, and the
 * route's handlers, which run inside it, share it.
 *
 * <p>Confined to the request's thread.
 */
final class RequestState {
    /** The state of the request this thread handles; bound by {@link RequestIdFilter}. */
    static final ScopedValue<RequestState> CURRENT = ScopedValue.newInstance();
    /** The {@code exception} tag of a request that no exception answered (Spring Boot's value). */
    static final String NO_EXCEPTION = "none";
    /** What {@link #current()} reads outside a request: {@link ScopedValue#orElse} takes no {@code null}. */
    private static final RequestState NONE = new RequestState("");

    private final String requestId;
    private @Nullable String splitPath;
    private int @Nullable [] segmentBounds;
    private @Nullable Principal principal;
    private int countedStatus;
    private String exception = NO_EXCEPTION;
    private @Nullable SpanContext span;
    private RequestMetricsFilter.@Nullable RouteTimers route;

    RequestState(String requestId) {
        this.requestId = requestId;
    }

    /** @return the state of this thread's request, or {@code null} outside the filters (Helidon's own errors) */
    static @Nullable RequestState current() {
        // one look-up, not isBound() then get(): route matching asks once per route it tries
        RequestState state = CURRENT.orElse(NONE);
        return state == NONE ? null : state;
    }

    /**
     * Where the raw path's segments are, found once per request for the {@link RouteTable} and the
     * {@link TemplateMatcher}s that {@link AllowedMethods} asks (outside a request, as in a unit test, on each call).
     *
     * @param rawPath the request's raw path
     * @return the start and end index of each segment in turn ({@link TemplateMatcher#segmentBounds})
     */
    static int[] segmentBoundsOf(String rawPath) {
        RequestState state = current();
        if (state == null) {
            return TemplateMatcher.segmentBounds(rawPath);
        }
        int[] bounds = state.segmentBounds;
        if (bounds == null || !rawPath.equals(state.splitPath)) {
            bounds = TemplateMatcher.segmentBounds(rawPath);
            state.segmentBounds = bounds;
            state.splitPath = rawPath;
        }
        return bounds;
    }

    String requestId() {
        return requestId;
    }

    /** @return the authenticated caller; {@code null} on a public route */
    @Nullable Principal principal() {
        return principal;
    }

    void principal(Principal caller) {
        this.principal = caller;
    }

    /** @return the request's server span ({@link TracingFilter}); {@code null} without tracing */
    @Nullable SpanContext span() {
        return span;
    }

    void span(SpanContext server) {
        this.span = server;
    }

    /**
     * @return the timers of the route that took the request, put here by {@link RouteTable} before its key check;
     *     {@code null} before one did, or for a path no route takes
     */
    RequestMetricsFilter.@Nullable RouteTimers route() {
        return route;
    }

    void route(RequestMetricsFilter.RouteTimers timers) {
        this.route = timers;
    }

    /** @return the status a failure was counted as, or 0 when the response's status is the one to count */
    int countedStatus() {
        return countedStatus;
    }

    void countedStatus(int status) {
        this.countedStatus = status;
    }

    /** @return the simple class name of the exception that produced the answer, or {@link #NO_EXCEPTION} */
    String exception() {
        return exception;
    }

    /**
     * Records the exception that produced the answer, for the {@code exception} tag. Its simple class name is
     * bounded by the classes the code throws (an anonymous class counts under its full name).
     */
    void exception(Throwable failure) {
        String simple = failure.getClass().getSimpleName();
        this.exception = simple.isEmpty() ? failure.getClass().getName() : simple;
    }
}
