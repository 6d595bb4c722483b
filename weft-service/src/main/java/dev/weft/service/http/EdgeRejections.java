package dev.weft.service.http;

import dev.weft.service.LogConfigurator;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the server answers before any filter runs ({@link ProblemDirectHandler}, {@link RequestLineRefusals}: a request
 * line, header or query it cannot read, a head or URI over its limits, another HTTP version), counted in
 * {@code weft.http.server.rejected} by status and code and written to the access log with {@code http.route}
 * {@value #ROUTE}. Such a request reaches no filter, so {@code http.server.requests} and the filters' access-log line
 * never saw it: a scanner or a broken client showed only on its own side.
 *
 * <p>A counter rather than a timer: the time to a rejection runs from bytes the server never parsed, so it says
 * nothing about the service's latency. Thread-safe.
 */
final class EdgeRejections {
    /** The access log's {@code http.route} of a rejected request. */
    static final String ROUTE = "rejected";
    static final String METER = "weft.http.server.rejected";
    private static final Logger ACCESS = LoggerFactory.getLogger(LogConfigurator.ACCESS_LOGGER);

    private final MeterRegistry registry;

    /** @param registry where the counter lives */
    EdgeRejections(MeterRegistry registry) {
        this.registry = Objects.requireNonNull(registry, "registry");
    }

    /**
     * Counts and logs one rejected request.
     *
     * @param method its method as sent; "" or {@code null} when the request line could not be read
     * @param status the answer's status
     * @param code the problem's code
     * @param requestId the {@code X-Request-Id} of the answer
     */
    void rejected(@Nullable String method, int status, String code, String requestId) {
        // the registry keeps one counter per status and code (a few fixed codes); rejections are rare enough to
        // look it up each time
        Counter.builder(METER)
                .description("Requests answered before any route or filter: unreadable or over the server's limits")
                .tag("status", Integer.toString(status)).tag("code", code).register(registry).increment();
        if (ACCESS.isInfoEnabled()) {
            String name = method == null ? RequestMetricsFilter.OTHER_METHOD : RequestMetricsFilter.methodName(method);
            // no request scope here, so no MDC to carry the id (RequestMdc): it goes on the line itself
            ACCESS.atInfo().setMessage("request").addKeyValue("request_id", requestId)
                    .addKeyValue("http.request.method", name)
                    .addKeyValue("http.route", ROUTE).addKeyValue("http.response.status_code", status)
                    .addKeyValue("error.code", code).log();
        }
    }
}
