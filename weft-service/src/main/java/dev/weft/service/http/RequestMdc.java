package dev.weft.service.http;

import ch.qos.logback.classic.LoggerContext;
import dev.weft.service.Tracing;
import io.opentelemetry.api.trace.SpanContext;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.slf4j.ILoggerFactory;
import org.slf4j.MDC;
import org.slf4j.spi.MDCAdapter;

/**
 * The MDC that Logback's events read: the SLF4J MDC (the job engine's ids, whatever else code puts there) with the
 * request this thread serves laid over it from {@link RequestState}: {@code request_id}, and {@code trace.id} and
 * {@code span.id} of its server span when tracing is on.
 *
 * <p>Why: the edge binds a {@link RequestState} for every request anyway; putting the same ids into Logback's
 * per-thread MDC map and taking them out again (a new map per put, on a virtual thread that is new for each
 * connection) was about 7 % of {@code /health/live}'s time, for a map that is read only when a line is logged, which
 * by default is almost never (the access log is off). Now nothing is done per request, and a log event's MDC is made
 * when it is first read.
 *
 * <p>When that read happens matters: a Logback event takes its MDC from its context's adapter the first time an
 * encoder or {@code prepareForDeferredProcessing} asks for it. A synchronous appender encodes on the thread that
 * logged; an {@code AsyncAppender} (and logstash-logback-encoder's asynchronous appenders) calls
 * {@code prepareForDeferredProcessing} on that thread before queueing the event: both read it inside the request's
 * scope, so each event carries the id of the request that logged it.
 *
 * <p>SLF4J's own {@link MDC#get} does not see the overlay (SLF4J keeps the provider's adapter): code that needs the
 * request's id reads {@link CurrentRequest#id()}.
 *
 * <p>Thread-safe: holds only the adapter it wraps.
 */
final class RequestMdc implements MDCAdapter {
    /** The MDC key of the request's id, as every log format writes it. */
    static final String REQUEST_ID = "request_id";

    private final MDCAdapter delegate;

    RequestMdc(MDCAdapter delegate) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
    }

    /**
     * Lays the current request over the MDC of the Logback context behind {@code factory}, once: a second call, or a
     * logging backend that is not Logback, changes nothing.
     *
     * @param factory SLF4J's logger factory
     */
    static void install(ILoggerFactory factory) {
        if (factory instanceof LoggerContext context) {
            synchronized (RequestMdc.class) {
                MDCAdapter current = context.getMDCAdapter();
                if (!(current instanceof RequestMdc)) {
                    // the provider's adapter, the one SLF4J's MDC.put writes to, stays underneath
                    context.setMDCAdapter(new RequestMdc(current != null ? current : MDC.getMDCAdapter()));
                }
            }
        }
    }

    @Override
    public @Nullable Map<String, String> getCopyOfContextMap() {
        Map<String, String> copy = delegate.getCopyOfContextMap();
        RequestState request = RequestState.current();
        if (request == null) {
            return copy;
        }
        Map<String, String> map = copy != null ? copy : new HashMap<>(4);
        map.put(REQUEST_ID, request.requestId());
        SpanContext span = request.span();
        if (span != null) {
            map.put(Tracing.TRACE_ID_MDC, span.getTraceId());
            map.put(Tracing.SPAN_ID_MDC, span.getSpanId());
        }
        return map;
    }

    @Override
    public @Nullable String get(String key) {
        RequestState request = RequestState.current();
        if (request != null) {
            SpanContext span = request.span();
            if (REQUEST_ID.equals(key)) {
                return request.requestId();
            } else if (span != null && Tracing.TRACE_ID_MDC.equals(key)) {
                return span.getTraceId();
            } else if (span != null && Tracing.SPAN_ID_MDC.equals(key)) {
                return span.getSpanId();
            }
        }
        return delegate.get(key);
    }

    @Override
    public void put(String key, String value) {
        delegate.put(key, value);
    }

    @Override
    public void remove(String key) {
        delegate.remove(key);
    }

    @Override
    public void clear() {
        delegate.clear();
    }

    @Override
    public void setContextMap(Map<String, String> contextMap) {
        delegate.setContextMap(contextMap);
    }

    @Override
    public void pushByKey(String key, String value) {
        delegate.pushByKey(key, value);
    }

    @Override
    public @Nullable String popByKey(String key) {
        return delegate.popByKey(key);
    }

    @Override
    public @Nullable Deque<String> getCopyOfDequeByKey(String key) {
        return delegate.getCopyOfDequeByKey(key);
    }

    @Override
    public void clearDequeByKey(String key) {
        delegate.clearDequeByKey(key);
    }
}
