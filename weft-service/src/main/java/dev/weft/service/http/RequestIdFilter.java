package dev.weft.service.http;

import dev.weft.core.Deadline;
import dev.weft.service.ProblemException;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.Headers;
import io.helidon.webserver.CloseConnectionException;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import java.time.Duration;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The first filter: takes the client's {@code X-Request-Id} when it is well formed (else makes one), echoes it,
 * checks the {@code Host} header ({@link HostHeader}) and the raw path's characters, and binds, in one scope for
 * everything after it, the request's {@link RequestState} (which is also how log events get the id:
 * {@link RequestMdc}) and its {@link Deadline}
 * ({@code WEFT_REQUEST_TIMEOUT}: it bounds the waits further down, such as the key lookup and a database connection,
 * so a request gets a 503 rather than a long queue).
 *
 * <p>The path check is here because the edge turns off Helidon's own ({@link HttpEdge}): Helidon validates a path by
 * decoding and normalising it with {@link java.net.URI}, about 5 % of the cheapest route's time, for a decoded path
 * weft never uses ({@link TemplateMatcher} reads the raw one). The check keeps the answer the same: 400
 * {@code invalid_path} for a character RFC 3986 does not allow in a path. So is the {@code Host} check: Helidon's
 * matches the header with regular expressions, ~4 % of the cheapest route's time; weft's ({@link HostHeader}) answers
 * 400 {@code invalid_host} for a missing, repeated or malformed one, by character class (it accepts what RFC 3986
 * reads as a name, such as {@code 999.1.1.1}, and does not check an IPv6 literal's groups).
 *
 * <p>Thread-safe; holds no per-request state.
 */
final class RequestIdFilter implements Filter {
    static final HeaderName REQUEST_ID_HEADER = HeaderNames.create("X-Request-Id");
    private static final int MAX_REQUEST_ID = 128;
    /** RFC 3986 {@code pchar} and {@code /}, without {@code %}, which is checked with its two hex digits. */
    private static final boolean[] PATH_CHARS = UriChars.table(UriChars.UNRESERVED_AND_SUB_DELIMS + ":@/");

    private final Duration requestTimeout;

    /** @param requestTimeout each request's deadline */
    RequestIdFilter(Duration requestTimeout) {
        this.requestTimeout = Objects.requireNonNull(requestTimeout, "requestTimeout");
    }

    @Override
    public void filter(FilterChain chain, RoutingRequest request, RoutingResponse response) {
        Headers headers = request.headers();
        String requestId = requestId(headers);
        response.header(REQUEST_ID_HEADER, requestId);
        if (!HostHeader.valid(headers)) {
            throw ProblemException.of(400, "invalid_host", "the request needs exactly one Host header with a host "
                    + "name or address and an optional port");
        }
        if (!validPath(request.path().rawPath())) {
            // answered by the error handler, uncounted, as Helidon's own check answered before
            throw ProblemException.of(400, "invalid_path", "the path has a character that must be "
                    + "percent-encoded, or malformed percent-encoding");
        }
        // no MDC put: log events read the id from RequestState (RequestMdc)
        // the first filter: no deadline can be in scope yet, so none is looked for (a look-up that finds nothing is
        // never cached)
        Deadline.after(requestTimeout).carrierAtEntry().where(RequestState.CURRENT, new RequestState(requestId))
                .run(chain::proceed);
        if (response.isSent() && headers.contains(HeaderValues.CONNECTION_CLOSE)) {
            // Helidon 4.5.0 answers "Connection: close" and then keeps the socket open, so a client waiting for the
            // end of the stream waits for its own timeout (helidon-io/helidon#12324, fixed in later 4.x); ending the
            // connection after the answer is Helidon's own quiet way to close it
            throw new CloseConnectionException("the client asked to close the connection after its answer");
        }
    }

    /**
     * @param headers a request's headers
     * @return the client's request id when it is well formed, else a fresh one
     */
    static String requestId(Headers headers) {
        // contains, then get: no Optional per request, and most requests carry no id (a missing custom header is a
        // null check in Helidon's headers)
        String sent = headers.contains(REQUEST_ID_HEADER) ? headers.get(REQUEST_ID_HEADER).get() : null;
        return sent != null && wellFormed(sent) ? sent : newRequestId();
    }

    /** @return whether a client's request id is 1 to 128 of {@code [A-Za-z0-9._:-]} */
    static boolean wellFormed(String id) {
        int length = id.length();
        if (length == 0 || length > MAX_REQUEST_ID) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            char c = id.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.'
                    || c == '_' || c == ':' || c == '-';
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    /** @return whether a raw path has only RFC 3986 path characters and well-formed percent-encoding */
    static boolean validPath(String raw) {
        return UriChars.matches(raw, 0, raw.length(), PATH_CHARS);
    }

    /**
     * A random (version 4) UUID from {@link ThreadLocalRandom}: a request id only has to be unique, not unguessable,
     * and {@link UUID#randomUUID()} takes a lock around {@code SecureRandom} on every call.
     */
    static String newRequestId() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long high = (random.nextLong() & ~0xF000L) | 0x4000L;
        long low = (random.nextLong() & 0x3FFF_FFFF_FFFF_FFFFL) | 0x8000_0000_0000_0000L;
        return new UUID(high, low).toString();
    }
}
