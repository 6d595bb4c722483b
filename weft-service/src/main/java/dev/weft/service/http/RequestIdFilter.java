package dev.weft.service.http;

import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;
import org.slf4j.MDC;

/**
 * The first filter: takes the client's {@code X-Request-Id} when it is well formed (else makes one), echoes it, puts it
 * in the MDC, and binds the request's {@link RequestState} for everything after it.
 *
 * <p>Thread-safe; holds no per-request state.
 */
final class RequestIdFilter implements Filter {
    static final HeaderName REQUEST_ID_HEADER = HeaderNames.create("X-Request-Id");
    private static final Pattern REQUEST_ID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");

    @Override
    public void filter(FilterChain chain, RoutingRequest request, RoutingResponse response) {
        String requestId = request.headers().first(REQUEST_ID_HEADER)
                .filter(id -> REQUEST_ID.matcher(id).matches()).orElseGet(RequestIdFilter::newRequestId);
        response.header(REQUEST_ID_HEADER, requestId);
        MDC.put("request_id", requestId);
        try {
            ScopedValue.where(RequestState.CURRENT, new RequestState(requestId)).run(chain::proceed);
        } finally {
            MDC.remove("request_id");
        }
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
