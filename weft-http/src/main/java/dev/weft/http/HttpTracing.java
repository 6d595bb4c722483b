package dev.weft.http;

import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.context.propagation.TextMapSetter;
import java.net.URI;
import org.apache.hc.core5.http.HttpRequest;
import org.jspecify.annotations.Nullable;

/**
 * The client's OpenTelemetry spans: one CLIENT span per attempt (HTTP semantic conventions), with the W3C trace
 * context injected into the attempt's headers so the server joins the caller's trace. A span is made only when the
 * caller's {@link Context} already holds a valid span: a call outside any trace (a health probe, a background job
 * that started none) makes no root span, and costs one {@code ThreadLocal} read. Thread-safe.
 */
final class HttpTracing {
    static final String INSTRUMENTATION = "dev.weft.http";
    static final AttributeKey<String> METHOD = AttributeKey.stringKey("http.request.method");
    static final AttributeKey<String> URL_FULL = AttributeKey.stringKey("url.full");
    static final AttributeKey<String> SERVER_ADDRESS = AttributeKey.stringKey("server.address");
    static final AttributeKey<Long> SERVER_PORT = AttributeKey.longKey("server.port");
    static final AttributeKey<Long> STATUS_CODE = AttributeKey.longKey("http.response.status_code");
    static final AttributeKey<Long> RESEND_COUNT = AttributeKey.longKey("http.request.resend_count");
    static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");
    static final AttributeKey<String> CLIENT = AttributeKey.stringKey("weft.http.client");

    private static final TextMapSetter<HttpRequest> HEADERS = (request, name, value) -> {
        if (request != null) {
            request.setHeader(name, value);
        }
    };

    private final Tracer tracer;
    private final TextMapPropagator propagator;
    private final String client;

    HttpTracing(OpenTelemetry openTelemetry, String client) {
        this.tracer = openTelemetry.getTracer(INSTRUMENTATION);
        this.propagator = openTelemetry.getPropagators().getTextMapPropagator();
        this.client = client;
    }

    /**
     * The instance a builder uses when none was given: the global one if an SDK registered it, else the no-op. Never
     * calls {@link GlobalOpenTelemetry#get()} when nothing is set, since that would freeze the global to the no-op
     * and make a later {@code set} throw.
     */
    static OpenTelemetry defaultInstance() {
        return GlobalOpenTelemetry.isSet() ? GlobalOpenTelemetry.get() : OpenTelemetry.noop();
    }

    /** Whether the current context holds a span to be the parent of the client's spans. */
    static boolean underParent() {
        return Span.current().getSpanContext().isValid();
    }

    /**
     * Starts the span of one attempt and injects its context into the request's headers, or does nothing outside a
     * trace.
     *
     * @param attempt 1 for the first attempt
     * @return the started span, or {@code null} when the caller is in no trace
     */
    @Nullable Span startAttempt(Call call, HttpRequest request, int attempt) {
        if (!underParent()) {
            return null;
        }
        Span span = start(call);
        if (attempt > 1 && span.isRecording()) {
            span.setAttribute(RESEND_COUNT, attempt - 1L);
        }
        propagator.inject(Context.current().with(span), request, HEADERS);
        return span;
    }

    /** Records a call that never reached the wire (breaker open, rate limited, bulkhead full) as a failed span. */
    void refused(Call call, ApiException refusal) {
        if (!underParent()) {
            return;
        }
        Span span = start(call);
        failed(span, refusal.code());
        span.end();
    }

    /** Ends an attempt that got a status: 5xx marks the span failed (a 4xx is the caller's, per the conventions). */
    static void answered(@Nullable Span span, int status) {
        if (span == null) {
            return;
        }
        span.setAttribute(STATUS_CODE, (long) status);
        if (status >= 500) {
            failed(span, Integer.toString(status));
        }
        span.end();
    }

    /** Ends an attempt that failed without a status; the type names the failure, never its message. */
    static void failed(@Nullable Span span, Throwable failure) {
        if (span == null) {
            return;
        }
        failed(span, failure instanceof ApiException api ? api.code() : failure.getClass().getName());
        span.end();
    }

    private static void failed(Span span, String errorType) {
        span.setStatus(StatusCode.ERROR);
        span.setAttribute(ERROR_TYPE, errorType);
    }

    private Span start(Call call) {
        String method = call.request().method().name();
        URI uri = call.target().uri();
        int port = uri.getPort() >= 0 ? uri.getPort() : "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
        return tracer.spanBuilder(method + " " + call.target().uriTemplate())
                .setSpanKind(SpanKind.CLIENT)
                .setAttribute(METHOD, method)
                .setAttribute(URL_FULL, urlWithoutQuery(uri))
                .setAttribute(SERVER_ADDRESS, String.valueOf(uri.getHost()))
                .setAttribute(SERVER_PORT, (long) port)
                .setAttribute(CLIENT, client)
                .startSpan();
    }

    /** The URL without user info, query or fragment: those may carry secrets or personal data. */
    static String urlWithoutQuery(URI uri) {
        StringBuilder url = new StringBuilder().append(uri.getScheme()).append("://").append(uri.getHost());
        if (uri.getPort() >= 0) {
            url.append(':').append(uri.getPort());
        }
        String path = uri.getRawPath();
        return url.append(path == null || path.isEmpty() ? "/" : path).toString();
    }
}
