package dev.weft.service.jobs;

import dev.weft.service.Tracing;
import dev.weft.service.http.CurrentRequest;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapGetter;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.slf4j.MDC;

/**
 * Links a job to the request that submitted it. {@link #submitting()} reads the current span as W3C
 * {@code traceparent} text, stored with the job; {@link #step} runs one step of the job in a span whose parent is that
 * stored context (so the step has the request's trace id, however much later it runs, and on whichever instance) and
 * which also carries a link to it. While a job runs, the MDC holds {@code job.id}, {@code video.id} and the submitting
 * request's {@code request_id}; while a step runs, also its {@code trace.id} and {@code span.id}.
 *
 * <p>Thread-safe.
 */
final class JobTrace {
    static final String JOB_ID_MDC = "job.id";
    static final String VIDEO_ID_MDC = "video.id";
    static final String REQUEST_ID_MDC = "request_id";
    private static final AttributeKey<String> JOB_ID = AttributeKey.stringKey("job.id");
    private static final AttributeKey<String> VIDEO_ID = AttributeKey.stringKey("video.id");
    private static final AttributeKey<String> STEP = AttributeKey.stringKey("job.step");
    private static final AttributeKey<Long> ATTEMPT = AttributeKey.longKey("job.attempt");
    private static final AttributeKey<String> REQUEST_ID = AttributeKey.stringKey("request_id");
    private static final W3CTraceContextPropagator W3C = W3CTraceContextPropagator.getInstance();

    private final Tracer tracer;

    JobTrace(Tracer tracer) {
        this.tracer = Objects.requireNonNull(tracer, "tracer");
    }

    /**
     * @return the submitter's span as a W3C {@code traceparent}: the request's server span when a request submits
     *     (not the transaction span current around the insert), else the current span; {@code null} without one
     */
    static @Nullable String submitting() {
        Context submitter = CurrentRequest.span().map(span -> Context.root().with(Span.wrap(span)))
                .orElseGet(Context::current);
        Map<String, String> headers = new HashMap<>(2);
        W3C.inject(submitter, headers, (carrier, key, value) -> headers.put(key, value));
        return headers.get("traceparent");
    }

    /** One step of work, which may fail. */
    @FunctionalInterface
    interface Step<T> {
        T run();
    }

    /**
     * Puts the job's ids in the MDC for everything the worker logs about it, until the returned scope closes.
     *
     * @param job the claimed job
     * @return closes to take them out again
     */
    static MdcScope job(JobRow job) {
        MDC.put(JOB_ID_MDC, job.jobId());
        MDC.put(VIDEO_ID_MDC, job.videoId());
        if (job.requestId() != null) {
            MDC.put(REQUEST_ID_MDC, job.requestId());
        }
        return () -> {
            MDC.remove(JOB_ID_MDC);
            MDC.remove(VIDEO_ID_MDC);
            MDC.remove(REQUEST_ID_MDC);
        };
    }

    /** An MDC scope that does not throw. */
    interface MdcScope extends AutoCloseable {
        @Override
        void close();
    }

    /**
     * Runs one step in its span ({@code job.step <state>}, INTERNAL): parent and link are the submitting request's
     * span when the job has one; the span is current while the step runs, so the step's database and provider spans
     * are its children.
     *
     * @param job the job
     * @param state the step
     * @param step the work
     * @return what the step returned
     */
    @SuppressWarnings("try") // the scope is only held open around the step
    <T> T step(JobRow job, JobState state, Step<T> step) {
        Context parent = parent(job.traceParent());
        SpanContext submitter = Span.fromContext(parent).getSpanContext();
        var builder = tracer.spanBuilder("job.step " + state.wireName()).setParent(parent)
                .setSpanKind(SpanKind.INTERNAL)
                .setAttribute(JOB_ID, job.jobId())
                .setAttribute(VIDEO_ID, job.videoId())
                .setAttribute(STEP, state.wireName())
                .setAttribute(ATTEMPT, job.attempts() + 1L);
        if (job.requestId() != null) {
            builder.setAttribute(REQUEST_ID, job.requestId());
        }
        if (submitter.isValid()) {
            builder.addLink(submitter, Attributes.of(AttributeKey.stringKey("link.kind"), "submitted_by"));
        }
        Span span = builder.startSpan();
        SpanContext ids = span.getSpanContext();
        boolean traced = ids.isValid();
        if (traced) {
            MDC.put(Tracing.TRACE_ID_MDC, ids.getTraceId());
            MDC.put(Tracing.SPAN_ID_MDC, ids.getSpanId());
        }
        try (Scope scope = span.makeCurrent()) {
            return step.run();
        } catch (RuntimeException | Error failure) {
            span.recordException(failure);
            span.setStatus(StatusCode.ERROR);
            throw failure;
        } finally {
            span.end();
            if (traced) {
                MDC.remove(Tracing.TRACE_ID_MDC);
                MDC.remove(Tracing.SPAN_ID_MDC);
            }
        }
    }

    /** The stored context; the root context when the job has none or it does not parse. */
    private static Context parent(@Nullable String traceParent) {
        if (traceParent == null) {
            return Context.root();
        }
        return W3C.extract(Context.root(), traceParent, StoredGetter.INSTANCE);
    }

    /** Reads the one stored header. */
    private enum StoredGetter implements TextMapGetter<String> {
        INSTANCE;

        @Override
        @SuppressWarnings("deprecation") // still abstract; its replacement is not yet
        public Iterable<String> keys(String carrier) {
            return List.of("traceparent");
        }

        @Override
        public @Nullable String get(@Nullable String carrier, String key) {
            return "traceparent".equals(key) ? carrier : null;
        }
    }
}
