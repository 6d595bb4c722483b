package dev.weft.service.http;

import dev.weft.service.Json;
import io.helidon.http.DirectHandler;
import io.helidon.http.HeaderNames;
import io.helidon.http.ServerResponseHeaders;
import io.helidon.http.Status;
import io.helidon.webserver.http.DirectHandlers;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Problem bodies for what Helidon answers before any filter or route runs (a malformed request line or header, a body
 * over the server's limit), so that every error a client sees is problem+json.
 *
 * <p>Thread-safe.
 */
final class ProblemDirectHandler implements DirectHandler {
    /** What Helidon's header parser says when the headers pass {@code max-headers-size} (Helidon 4.5). */
    static final String HEADERS_TOO_LARGE_MESSAGE = "Header size exceeded";

    /** How Helidon's URI validation begins its message about a query it refuses (Helidon 4.5). */
    static final String QUERY_MESSAGE_START = "Query ";

    private final Json json;
    private final EdgeRejections rejections;

    private ProblemDirectHandler(Json json, EdgeRejections rejections) {
        this.json = Objects.requireNonNull(json, "json");
        this.rejections = Objects.requireNonNull(rejections, "rejections");
    }

    /**
     * @param json the mapper
     * @param rejections where each answer is counted and logged
     * @return this handler for every event type
     */
    static DirectHandlers forEveryEvent(Json json, EdgeRejections rejections) {
        ProblemDirectHandler handler = new ProblemDirectHandler(json, rejections);
        DirectHandlers.Builder builder = DirectHandlers.builder();
        for (EventType event : EventType.values()) {
            builder.addHandler(event, handler);
        }
        return builder.build();
    }

    @Override
    public TransportResponse handle(TransportRequest request, EventType event, Status status,
            ServerResponseHeaders headers, @Nullable String message) {
        // Helidon reports headers over its limit as a BAD_REQUEST event with status 400 and this message (passed on
        // because HttpEdge turns on its error entities); RFC 6585 gives them a status of their own, which tells a
        // client what to shorten
        if (event == EventType.BAD_REQUEST && HEADERS_TOO_LARGE_MESSAGE.equals(message)) {
            return answer(request, event, ProblemErrorHandler.HEADERS_TOO_LARGE, headers, "headers_too_large",
                    "the request's headers are larger than the server accepts");
        }
        // Helidon checks the query's characters itself (io.helidon.common.uri.UriValidator) and reports a bad one as
        // a BAD_REQUEST event whose message begins with the part it checked (and quotes the query: not passed on)
        if (event == EventType.BAD_REQUEST && message != null && message.startsWith(QUERY_MESSAGE_START)) {
            return answer(request, event, status, headers, "invalid_query", "the query string has a character "
                    + "that must be percent-encoded, or malformed percent-encoding");
        }
        if (status.code() == Status.REQUEST_URI_TOO_LONG_414.code()) {
            return answer(request, event, status, headers, "uri_too_long",
                    "the request's URI is longer than the server accepts");
        }
        // Helidon reports a declared Content-Length over its payload limit as a BAD_REQUEST event with status 413
        boolean tooLarge = status.code() == Status.REQUEST_ENTITY_TOO_LARGE_413.code();
        String code = tooLarge ? "payload_too_large" : switch (event) {
            case BAD_REQUEST -> "bad_request";
            case PAYLOAD_TOO_LARGE -> "payload_too_large";
            case FORBIDDEN -> "forbidden";
            case INTERNAL_ERROR -> "internal_error";
            case HTTP_VERSION_NOT_SUPPORTED -> "http_version_not_supported";
            case OTHER -> "http_error";
        };
        if (event == EventType.HTTP_VERSION_NOT_SUPPORTED) {
            // Helidon's own parser: a request line in another version than 1.1 that came in pieces, which
            // RequestLineRefusals did not see whole
            return answer(request, event, status, headers, code, RequestLineRefusals.VERSION_DETAIL);
        }
        return answer(request, event, status, headers, code, status.code() >= 500 ? "internal error"
                : tooLarge ? "the body is larger than the server accepts" : "the request could not be read");
    }

    private TransportResponse answer(TransportRequest request, EventType event, Status status,
            ServerResponseHeaders headers, String code, String detail) {
        String requestId = RequestIdFilter.requestId(request.headers());
        rejections.rejected(request.method(), status.code(), code, requestId);
        String path = request.path();
        return TransportResponse.builder()
                .status(status)
                .headers(headers)
                .header(HeaderNames.CONTENT_TYPE, "application/problem+json")
                // before any filter: the request id RequestIdFilter would have given, so these answers carry one too
                .header(RequestIdFilter.REQUEST_ID_HEADER, requestId)
                .keepAlive(event.keepAlive())
                .entity(json.write(ProblemErrorHandler.body(status.code(), code, detail,
                        path == null || path.isEmpty() ? "/" : path, List.of())))
                .build();
    }
}
