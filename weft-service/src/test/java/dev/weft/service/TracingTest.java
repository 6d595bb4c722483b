package dev.weft.service;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.OpenTelemetry;
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
}
