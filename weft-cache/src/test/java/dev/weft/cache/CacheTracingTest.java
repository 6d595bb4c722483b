package dev.weft.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The spans of a traced local cache, exported to an in-memory SDK. */
class CacheTracingTest {
    private static final String KEY = "user:alice@example.com";

    private final InMemorySpanExporter exporter = InMemorySpanExporter.create();
    private final OpenTelemetrySdk sdk = OpenTelemetrySdk.builder()
            .setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(exporter))
                    .build())
            .build();
    private final Tracer testTracer = sdk.getTracer("test");
    private final Cache cache = CacheTracing.traced(LocalCache.create("profiles"), sdk);

    @AfterEach
    void close() {
        cache.close();
        sdk.close();
    }

    @Test
    void tracesAGetOrLoadMissWithTheLoadersSpansInsideThenAHit() {
        Span parent = underParent(() -> cache.getOrLoad(KEY, String.class, Duration.ofMinutes(1), () -> {
            testTracer.spanBuilder("loader work").startSpan().end();
            return "Alice";
        }));
        underParent(() -> cache.getOrLoad(KEY, String.class, Duration.ofMinutes(1), () -> "never"));

        List<SpanData> cacheSpans = cacheSpans();
        assertThat(cacheSpans).extracting(SpanData::getName).containsExactly("getOrLoad profiles", "getOrLoad profiles");
        SpanData miss = cacheSpans.get(0);
        assertThat(miss.getKind()).isEqualTo(SpanKind.INTERNAL);
        assertThat(miss.getParentSpanId()).isEqualTo(parent.getSpanContext().getSpanId());
        assertThat(miss.getAttributes().get(TracedCache.NAME)).isEqualTo("profiles");
        assertThat(miss.getAttributes().get(TracedCache.OPERATION)).isEqualTo("getOrLoad");
        assertThat(miss.getAttributes().get(TracedCache.HIT)).isFalse();
        SpanData loader = exporter.getFinishedSpanItems().stream()
                .filter(span -> span.getName().equals("loader work")).findFirst().orElseThrow();
        assertThat(loader.getParentSpanId()).isEqualTo(miss.getSpanId());
        assertThat(cacheSpans.get(1).getAttributes().get(TracedCache.HIT)).isTrue();
    }

    @Test
    void tracesGetsPutsAndInvalidationsWithoutTheKey() {
        underParent(() -> {
            cache.get(KEY, String.class);
            cache.put(KEY, "Alice", Duration.ofMinutes(1));
            cache.get(KEY, String.class);
            cache.invalidate(KEY);
            cache.invalidateTag("users");
        });

        List<SpanData> cacheSpans = cacheSpans();
        assertThat(cacheSpans).extracting(span -> span.getAttributes().get(TracedCache.OPERATION))
                .containsExactly("get", "put", "get", "invalidate", "invalidateTag");
        assertThat(cacheSpans.get(0).getAttributes().get(TracedCache.HIT)).isFalse();
        assertThat(cacheSpans.get(2).getAttributes().get(TracedCache.HIT)).isTrue();
        for (SpanData span : exporter.getFinishedSpanItems()) {
            assertThat(span.getAttributes().asMap().values()).noneMatch(value -> value.toString().contains("alice"));
            assertThat(span.getName()).doesNotContain("alice");
        }
    }

    @Test
    void marksAFailedLoadWithItsTypeOnly() {
        underParent(() -> assertThatThrownBy(() -> cache.getOrLoad(KEY, String.class, Duration.ofMinutes(1), () -> {
            throw new IllegalStateException("no profile for alice@example.com");
        })).isInstanceOf(IllegalStateException.class));

        SpanData span = cacheSpans().getFirst();
        assertThat(span.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
        assertThat(span.getStatus().getDescription()).isEmpty();
        assertThat(span.getAttributes().get(TracedCache.ERROR_TYPE)).isEqualTo(IllegalStateException.class.getName());
        assertThat(span.getEvents()).isEmpty();
    }

    @Test
    void makesNoSpanOutsideATrace() {
        cache.put(KEY, "Alice", Duration.ofMinutes(1));
        cache.get(KEY, String.class);
        cache.getOrLoad("other", String.class, Duration.ofMinutes(1), () -> "x");

        assertThat(exporter.getFinishedSpanItems()).isEmpty();
    }

    @Test
    void leavesTheCacheUnwrappedWhenNoGlobalOpenTelemetryIsSet() {
        try (Cache plain = LocalCache.create("plain")) {

            Cache traced = CacheTracing.traced(plain);

            assertThat(traced).isSameAs(plain);
            assertThat(GlobalOpenTelemetry.isSet()).isFalse();
        }
    }

    private Span underParent(Runnable work) {
        Span parent = testTracer.spanBuilder("test parent").startSpan();
        try (Scope ignored = parent.makeCurrent()) {
            work.run();
        } finally {
            parent.end();
        }
        return parent;
    }

    private List<SpanData> cacheSpans() {
        return exporter.getFinishedSpanItems().stream()
                .filter(span -> span.getAttributes().get(TracedCache.OPERATION) != null).toList();
    }
}
