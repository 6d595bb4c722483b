package dev.weft.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.core.InvalidConfigException;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/** Which settings ask for trace export, and that without them tracing is the noop instance. */
class TracingTest {
    @Test
    void withoutOtelSettingsTracingIsTheNoopInstance() {
        Tracing tracing = Tracing.fromEnvironment(Map.of("OTEL_SERVICE_NAME", "x"), new Properties());

        assertThat(tracing.enabled()).isFalse();
        assertThat(tracing.openTelemetry()).isSameAs(OpenTelemetry.noop());
    }

    @Test
    void anEndpointOrAnExporterOtherThanNoneAsksForExport() {
        Properties none = new Properties();
        assertThat(Tracing.exportRequested(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318"), none)).isTrue();
        assertThat(Tracing.exportRequested(Map.of("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://c:4318/v1/traces"),
                none)).isTrue();
        assertThat(Tracing.exportRequested(Map.of("OTEL_TRACES_EXPORTER", "otlp"), none)).isTrue();
        assertThat(Tracing.exportRequested(Map.of("OTEL_TRACES_EXPORTER", "none",
                "OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318"), none)).isFalse();
        assertThat(Tracing.exportRequested(Map.of("OTEL_SDK_DISABLED", "true",
                "OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318"), none)).isFalse();
        assertThat(Tracing.exportRequested(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", " "), none)).isFalse();
    }

    @Test
    void systemPropertiesAskAsTheVariablesDoAndWinOverThem() {
        Properties endpoint = new Properties();
        endpoint.setProperty("otel.exporter.otlp.endpoint", "http://c:4318");
        assertThat(Tracing.exportRequested(Map.of(), endpoint)).isTrue();

        Properties off = new Properties();
        off.setProperty("otel.traces.exporter", "none");
        assertThat(Tracing.exportRequested(Map.of("OTEL_TRACES_EXPORTER", "otlp"), off)).isFalse();
    }

    /**
     * An endpoint alone builds a working SDK (OTLP over HTTP/protobuf by default: the Java SDK's own default, gRPC,
     * has no sender on weft's class path), and gRPC asked for is a start-up error naming the settings. Set through
     * system properties, which the autoconfiguration reads like the variables; cleared afterwards.
     */
    @Test
    void anEndpointAloneBuildsTheSdkAndGrpcIsAStartUpError() {
        try {
            System.setProperty("otel.exporter.otlp.endpoint", "http://127.0.0.1:9");
            assertTheSystemPropertiesBuildARecordingSdk();
            System.setProperty("otel.exporter.otlp.protocol", "grpc");
            assertThatThrownBy(() -> Tracing.fromEnvironment(Map.of(), System.getProperties()))
                    .isInstanceOf(InvalidConfigException.class).hasMessageContaining("OTEL_*");
        } finally {
            System.clearProperty("otel.exporter.otlp.endpoint");
            System.clearProperty("otel.exporter.otlp.protocol");
        }
    }

    /** The exporter CONFIGURATION.md gives as an example: the start failed with "exporter-logging not found". */
    @Test
    void theConsoleExporterIsOnTheClassPath() {
        try {
            System.setProperty("otel.traces.exporter", "console");
            assertTheSystemPropertiesBuildARecordingSdk();
        } finally {
            System.clearProperty("otel.traces.exporter");
        }
    }

    private static void assertTheSystemPropertiesBuildARecordingSdk() {
        try (Tracing tracing = Tracing.fromEnvironment(Map.of(), System.getProperties())) {
            assertThat(tracing.enabled()).isTrue();
            Span span = tracing.tracer().spanBuilder("probe").startSpan();
            assertThat(span.isRecording()).isTrue();
            span.end();
        }
    }

    /**
     * A collector that takes the connection and never answers held every stop for the exporter's 10 s on top of the
     * requests' grace; the stop now waits {@link TracingSdk#SHUTDOWN_WAIT} for the last spans.
     */
    @Test
    void aCollectorThatNeverAnswersHoldsTheStopNoLongerThanItsWait() throws Exception {
        try (java.net.ServerSocket hung = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            System.setProperty("otel.exporter.otlp.endpoint", "http://127.0.0.1:" + hung.getLocalPort());
            Tracing tracing = Tracing.fromEnvironment(Map.of(), System.getProperties());
            tracing.tracer().spanBuilder("last").startSpan().end();

            long started = System.nanoTime();
            tracing.close();
            java.time.Duration took = java.time.Duration.ofNanos(System.nanoTime() - started);

            // the wait plus room for a loaded machine, well under the exporter's own 10 s timeout
            assertThat(took).isLessThan(TracingSdk.SHUTDOWN_WAIT.plusSeconds(4));
        } finally {
            System.clearProperty("otel.exporter.otlp.endpoint");
        }
    }
}
