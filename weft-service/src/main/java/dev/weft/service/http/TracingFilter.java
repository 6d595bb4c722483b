package dev.weft.service.http;

import io.helidon.http.HeaderNames;
import io.helidon.http.Headers;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The server span of a request, right after {@link RequestIdFilter}: continues the caller's trace from its W3C
 * {@code traceparent}/{@code tracestate} (through the SDK's propagators), names the span {@code {METHOD} {route}} once
 * a route has taken the request (its template, from {@link RouteTable}; just the method for a path no route takes), and
 * records {@code http.request.method}, {@code url.path}, {@code http.route}, {@code http.response.status_code} and
 * {@code request_id}; a 5xx sets the ERROR status. The span is current around the rest of the chain, so the spans of
 * weft-db, the caches and weft-http made while serving the request are its children, and its {@code trace.id} and
 * {@code span.id} are in the MDC of every log line of the request ({@link RequestState#span()}, read by
 * {@link RequestMdc}).
 *
 * <p>Installed only when an SDK exports ({@link dev.weft.service.Tracing#enabled()}). Thread-safe.
 */
final class TracingFilter implements Filter {
    static final AttributeKey<String> METHOD = AttributeKey.stringKey("http.request.method");
    static final AttributeKey<String> METHOD_ORIGINAL = AttributeKey.stringKey("http.request.method_original");
    static final AttributeKey<String> PATH = AttributeKey.stringKey("url.path");
    static final AttributeKey<String> ROUTE = AttributeKey.stringKey("http.route");
    static final AttributeKey<Long> STATUS = AttributeKey.longKey("http.response.status_code");
    static final AttributeKey<String> REQUEST_ID = AttributeKey.stringKey("request_id");

    private final Tracer tracer;
    private final TextMapPropagator propagator;

    TracingFilter(Tracer tracer, TextMapPropagator propagator) {
        this.tracer = Objects.requireNonNull(tracer, "tracer");
        this.propagator = Objects.requireNonNull(propagator, "propagator");
    }

    @Override
    @SuppressWarnings("try") // the scope is only held open around the chain
    public void filter(FilterChain chain, RoutingRequest request, RoutingResponse response) {
        Context parent = propagator.extract(Context.root(), request.headers(), HeadersGetter.INSTANCE);
        String original = request.prologue().method().text();
        // a method outside HTTP's own is _OTHER, and its span is named HTTP (OpenTelemetry's HTTP conventions):
        // the client picks the method, and a name or attribute per method is unbounded
        String method = RequestMetricsFilter.methodName(request.prologue().method());
        boolean other = method.equals(RequestMetricsFilter.OTHER_METHOD);
        RequestState state = RequestState.CURRENT.get();
        var builder = tracer.spanBuilder(other ? "HTTP" : method).setParent(parent).setSpanKind(SpanKind.SERVER)
                .setAttribute(METHOD, method);
        if (other) {
            builder.setAttribute(METHOD_ORIGINAL, original);
        }
        Span span = builder
                .setAttribute(PATH, request.path().rawPath())
                .setAttribute(REQUEST_ID, state.requestId())
                .startSpan();
        SpanContext ids = span.getSpanContext();
        state.span(ids); // and so in every log event of the request (RequestMdc)
        try (Scope scope = span.makeCurrent()) {
            chain.proceed();
        } catch (RuntimeException | Error failure) {
            span.recordException(failure);
            throw failure;
        } finally {
            int status = state.countedStatus() != 0 ? state.countedStatus() : response.status().code();
            RequestMetricsFilter.RouteTimers route = state.route();
            if (route != null) {
                span.setAttribute(ROUTE, route.template());
                span.updateName((other ? "HTTP" : method) + " " + route.template());
            }
            span.setAttribute(STATUS, status);
            if (status >= 500) {
                span.setStatus(StatusCode.ERROR);
            }
            span.end();
        }
    }

    /** Reads propagation headers from Helidon's request headers. */
    private enum HeadersGetter implements TextMapGetter<Headers> {
        INSTANCE;

        @Override
        @SuppressWarnings("deprecation") // still abstract; its replacement is not yet
        public Iterable<String> keys(Headers carrier) {
            List<String> names = new ArrayList<>();
            carrier.forEach(header -> names.add(header.name()));
            return names;
        }

        @Override
        public @Nullable String get(@Nullable Headers carrier, String key) {
            return carrier == null ? null : carrier.first(HeaderNames.create(key)).orElse(null);
        }
    }
}
