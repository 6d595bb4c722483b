package dev.weft.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.http.testing.Behavior;
import dev.weft.http.testing.FaultServer;
import dev.weft.http.testing.RecordedRequest;
import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The client's spans and W3C propagation, against the real {@link FaultServer} and an in-memory SDK. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class HttpTracingTest {
    private final InMemorySpanExporter exporter = InMemorySpanExporter.create();
    private final OpenTelemetrySdk sdk = OpenTelemetrySdk.builder()
            .setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(exporter))
                    .build())
            .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance()))
            .build();
    private final Tracer testTracer = sdk.getTracer("test");
    private FaultServer server;
    private ApiClient api;

    @BeforeEach
    void start() {
        server = FaultServer.start();
        api = ApiClient.builder(config().build()).openTelemetry(sdk).build();
    }

    private ApiConfigBuilder config() {
        return ApiConfig.builder(server.baseUri().toString()).name("traced").retryDelay(Duration.ofMillis(5))
                .maxRetryDelay(Duration.ofMillis(50)).breakerThreshold(5).breakerOpenTime(Duration.ofSeconds(30));
    }

    @AfterEach
    void stop() {
        api.close();
        server.close();
        sdk.close();
    }

    @Test
    void makesAClientSpanPerAttemptUnderTheCallersSpanWithTheHttpConventions() {
        server.route("GET", "/users/7", Behavior.json(200, "{}"));

        Span parent = underParent(() -> api.get("/users/{id}").pathParam("id", 7).query("token", "s3cret").send());

        SpanData span = only(clientSpans());
        assertThat(span.getParentSpanId()).isEqualTo(parent.getSpanContext().getSpanId());
        assertThat(span.getTraceId()).isEqualTo(parent.getSpanContext().getTraceId());
        assertThat(span.getName()).isEqualTo("GET /users/{id}");
        assertThat(span.getAttributes().get(HttpTracing.METHOD)).isEqualTo("GET");
        assertThat(span.getAttributes().get(HttpTracing.URL_FULL))
                .isEqualTo("http://127.0.0.1:" + server.port() + "/users/7");
        assertThat(span.getAttributes().get(HttpTracing.SERVER_ADDRESS)).isEqualTo("127.0.0.1");
        assertThat(span.getAttributes().get(HttpTracing.SERVER_PORT)).isEqualTo((long) server.port());
        assertThat(span.getAttributes().get(HttpTracing.STATUS_CODE)).isEqualTo(200L);
        assertThat(span.getStatus().getStatusCode()).isEqualTo(StatusCode.UNSET);
        assertThat(span.getAttributes().asMap().values()).noneMatch(value -> value.toString().contains("s3cret"));
    }

    @Test
    void sendsTheAttemptsSpanAsTraceparentSoTheServerJoinsTheTrace() {
        server.route("GET", "/ping", Behavior.json(200, "{}"));

        underParent(() -> api.get("/ping").send());

        SpanData span = only(clientSpans());
        RecordedRequest received = server.recorded().getLast();
        assertThat(received.header("traceparent")).hasValueSatisfying(traceparent -> assertThat(traceparent)
                .startsWith("00-" + span.getTraceId() + "-" + span.getSpanId() + "-"));
    }

    @Test
    void marksA503AttemptFailedAndCountsTheResendOnTheRetry() {
        server.route("GET", "/flaky", Behavior.sequence(Behavior.status(503), Behavior.json(200, "{}")));

        underParent(() -> api.get("/flaky").send());

        List<SpanData> spans = clientSpans();
        assertThat(spans).hasSize(2);
        assertThat(spans.get(0).getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
        assertThat(spans.get(0).getAttributes().get(HttpTracing.ERROR_TYPE)).isEqualTo("503");
        assertThat(spans.get(0).getAttributes().get(HttpTracing.RESEND_COUNT)).isNull();
        assertThat(spans.get(1).getStatus().getStatusCode()).isEqualTo(StatusCode.UNSET);
        assertThat(spans.get(1).getAttributes().get(HttpTracing.RESEND_COUNT)).isEqualTo(1L);
        List<String> traceparents = server.recorded().stream()
                .map(request -> request.header("traceparent").orElseThrow()).toList();
        assertThat(traceparents).hasSize(2);
        assertThat(traceparents.get(0)).startsWith("00-" + spans.get(0).getTraceId() + "-" + spans.get(0).getSpanId());
        assertThat(traceparents.get(1)).startsWith("00-" + spans.get(1).getTraceId() + "-" + spans.get(1).getSpanId());
    }

    @Test
    void marksAConnectionFailureWithItsTypeOnly() {
        server.route("GET", "/reset", Behavior.reset());
        try (ApiClient noRetry = ApiClient.builder(config().maxRetries(0).name("no-retry").build())
                .openTelemetry(sdk).build()) {

            underParent(() -> assertThatThrownBy(() -> noRetry.get("/reset").send())
                    .isInstanceOf(ApiException.class));
        }

        SpanData span = only(clientSpans());
        assertThat(span.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
        assertThat(span.getStatus().getDescription()).isEmpty();
        assertThat(span.getAttributes().get(HttpTracing.ERROR_TYPE)).isNotBlank();
        assertThat(span.getEvents()).isEmpty();
    }

    @Test
    void recordsACallTheOpenBreakerRefusedAsAFailedSpan() {
        server.route("GET", "/down", Behavior.status(500));
        try (ApiClient noRetry = ApiClient.builder(config().maxRetries(0).name("no-retry").build())
                .openTelemetry(sdk).build()) {
            for (int i = 0; i < 5; i++) {
                assertThatThrownBy(() -> noRetry.get("/down").send()).isInstanceOf(UpstreamException.class);
            }
            exporter.reset();

            underParent(() -> assertThatThrownBy(() -> noRetry.get("/down").send())
                    .isInstanceOf(CircuitOpenException.class));
        }

        SpanData span = only(clientSpans());
        assertThat(span.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
        assertThat(span.getAttributes().get(HttpTracing.ERROR_TYPE)).isEqualTo("circuit_open");
        assertThat(server.requests()).isEqualTo(5);
    }

    @Test
    void makesNoSpanAndSendsNoTraceparentOutsideATrace() {
        server.route("GET", "/ping", Behavior.json(200, "{}"));

        api.get("/ping").send();

        assertThat(exporter.getFinishedSpanItems()).isEmpty();
        assertThat(server.recorded().getLast().header("traceparent")).isEmpty();
    }

    @Test
    void keepsTheCallersTraceForAnAsyncCall() {
        server.route("GET", "/ping", Behavior.json(200, "{}"));

        Span parent = underParent(() -> api.async().send(api.get("/ping")).join());

        SpanData span = only(clientSpans());
        assertThat(span.getParentSpanId()).isEqualTo(parent.getSpanContext().getSpanId());
    }

    @Test
    void keepsTheCallersTraceForEveryItemOfABatch() {
        server.route("GET", "/a", Behavior.json(200, "{}"));
        server.route("GET", "/b", Behavior.json(200, "{}"));

        Span parent = underParent(() -> api.batch(List.of(api.get("/a"), api.get("/b")), 2));

        assertThat(clientSpans()).hasSize(2).allMatch(span ->
                span.getParentSpanId().equals(parent.getSpanContext().getSpanId()));
        assertThat(server.recorded()).allMatch(request -> request.header("traceparent").orElseThrow()
                .contains(parent.getSpanContext().getTraceId()));
    }

    @Test
    void worksUnchangedWithoutAnyOpenTelemetryConfigured() {
        server.route("GET", "/ping", Behavior.json(200, "{}"));
        try (ApiClient plain = ApiClient.create(config().name("plain").build())) {

            Span parent = underParent(() -> plain.get("/ping").send());

            assertThat(clientSpans()).isEmpty();
            // the no-op API still propagates the caller's context
            assertThat(server.recorded().getLast().header("traceparent")).isEmpty();
            assertThat(parent.getSpanContext().isValid()).isTrue();
        }
        assertThat(GlobalOpenTelemetry.isSet()).isFalse();
    }

    private Span underParent(Runnable work) {
        return underParent(() -> {
            work.run();
            return null;
        });
    }

    private Span underParent(Supplier<?> work) {
        Span parent = testTracer.spanBuilder("test parent").startSpan();
        try (Scope ignored = parent.makeCurrent()) {
            work.get();
        } finally {
            parent.end();
        }
        return parent;
    }

    private List<SpanData> clientSpans() {
        return exporter.getFinishedSpanItems().stream().filter(span -> span.getKind() == SpanKind.CLIENT).toList();
    }

    private static SpanData only(List<SpanData> spans) {
        assertThat(spans).hasSize(1);
        return spans.getFirst();
    }
}
