package dev.weft.service.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.weft.service.ServiceConfig;
import dev.weft.service.Tracing;
import dev.weft.service.WeftService;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server span of a service started in-process on SQLite with an SDK whose spans are kept in memory: named by the
 * matched route template, or by the method alone for a path no route takes; the caller's {@code traceparent}
 * continued; a malformed one ignored.
 */
class TracingFilterTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    Path dir;

    @Test
    void theServerSpanIsNamedByTheRouteTemplateAndContinuesTheCallersTrace() throws Exception {
        InMemorySpanExporter spans = InMemorySpanExporter.create();
        try (OpenTelemetrySdk sdk = OpenTelemetrySdk.builder()
                .setTracerProvider(SdkTracerProvider.builder()
                        .addSpanProcessor(SimpleSpanProcessor.create(spans)).build())
                .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance())).build();
             WeftService service = WeftService.builder(ServiceConfig.defaults().withPort(0).withDataDir(dir)
                             .withAdminKey(dev.weft.core.Secret.of("tracing-filter-admin-key-0123456789")))
                     .jvmMetrics(false).tracing(Tracing.of(sdk, () -> { })).build().start()) {
            String base = "http://127.0.0.1:" + service.port();
            String traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
            HttpResponse<String> user = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/users/12345"))
                    .header("X-API-Key", "tracing-filter-admin-key-0123456789")
                    .header("traceparent", "00-" + traceId + "-00f067aa0ba902b7-01")
                    .header("X-Request-Id", "filter-1").build(), HttpResponse.BodyHandlers.ofString());
            HttpResponse<String> unknown = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/no/such/route"))
                    .header("traceparent", "not-a-traceparent").build(), HttpResponse.BodyHandlers.ofString());
            assertThat(user.statusCode()).isEqualTo(404);
            assertThat(unknown.statusCode()).isEqualTo(404);

            // a server span ends after its response went out: wait for both
            List<SpanData> servers = await().atMost(Duration.ofSeconds(5)).until(() -> spans.getFinishedSpanItems()
                    .stream().filter(span -> span.getKind() == SpanKind.SERVER).toList(), found -> found.size() >= 2);
            SpanData byRoute = servers.stream().filter(span -> span.getName().equals("GET /users/{id}")).findFirst()
                    .orElseThrow(() -> new AssertionError("no GET /users/{id} span in " + servers));
            assertThat(byRoute.getTraceId()).isEqualTo(traceId);
            assertThat(byRoute.getParentSpanId()).isEqualTo("00f067aa0ba902b7");
            assertThat(byRoute.getAttributes().get(AttributeKey.stringKey("http.route"))).isEqualTo("/users/{id}");
            assertThat(byRoute.getAttributes().get(AttributeKey.stringKey("url.path"))).isEqualTo("/users/12345");
            assertThat(byRoute.getAttributes().get(AttributeKey.longKey("http.response.status_code"))).isEqualTo(404);
            assertThat(byRoute.getAttributes().get(AttributeKey.stringKey("request_id"))).isEqualTo("filter-1");
            assertThat(byRoute.getStatus().getStatusCode()).isEqualTo(StatusCode.UNSET);

            SpanData unmatched = servers.stream().filter(span -> span.getName().equals("GET")).findFirst()
                    .orElseThrow(() -> new AssertionError("no span named GET in " + servers));
            assertThat(unmatched.getParentSpanContext().isValid()).as("a malformed traceparent starts a new trace")
                    .isFalse();
            assertThat(unmatched.getAttributes().get(AttributeKey.stringKey("http.route"))).isNull();
            assertThat(spans.getFinishedSpanItems()).as("database spans under the route's server span")
                    .anySatisfy(span -> {
                        assertThat(span.getKind()).isEqualTo(SpanKind.CLIENT);
                        assertThat(span.getTraceId()).isEqualTo(traceId);
                    });
        }
    }
}
