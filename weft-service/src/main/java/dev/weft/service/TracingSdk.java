package dev.weft.service;

import dev.weft.core.InvalidConfigException;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.spi.ConfigurationException;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.resources.ResourceBuilder;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The OpenTelemetry SDK as OpenTelemetry's autoconfiguration builds it from the {@code OTEL_*} variables and
 * {@code otel.*} system properties, with weft's defaults under them: {@code service.name} {@code weft} (unless
 * {@code OTEL_SERVICE_NAME} or {@code OTEL_RESOURCE_ATTRIBUTES} name it), {@code service.version} from weft.jar, OTLP
 * over HTTP/protobuf (the exporter sends with the JDK's HTTP client, which has no gRPC), and
 * no metric or log export (weft's metrics are on {@code /metrics}, its logs on standard output; set
 * {@code OTEL_METRICS_EXPORTER}/{@code OTEL_LOGS_EXPORTER} to have them too). Kept apart from {@link Tracing} so that
 * a service without tracing loads none of these classes.
 *
 * <p>Thread-safe.
 */
final class TracingSdk {
    /** How long a stop waits for the spans still buffered to be exported. */
    static final java.time.Duration SHUTDOWN_WAIT = java.time.Duration.ofSeconds(2);

    private static final AttributeKey<String> SERVICE_NAME = AttributeKey.stringKey("service.name");
    private static final AttributeKey<String> SERVICE_VERSION = AttributeKey.stringKey("service.version");
    /** What the SDK calls a service nobody named. */
    private static final String UNNAMED_PREFIX = "unknown_service";

    private final OpenTelemetrySdk sdk;

    private TracingSdk(OpenTelemetrySdk sdk) {
        this.sdk = sdk;
    }

    /**
     * @param version the service's version, for {@code service.version}
     * @return the SDK, not global, without a shutdown hook of its own (the service closes it)
     */
    static TracingSdk autoConfigured(String version) {
        try {
            OpenTelemetrySdk sdk = AutoConfiguredOpenTelemetrySdk.builder()
                    // defaults: the variables and system properties override them. OTLP over HTTP/protobuf, the
                    // specification's default (the Java SDK's own is gRPC, which the JDK sender cannot speak)
                    .addPropertiesSupplier(() -> Map.of("otel.exporter.otlp.protocol", "http/protobuf",
                            "otel.metrics.exporter", "none", "otel.logs.exporter", "none"))
                    .addResourceCustomizer((resource, config) -> named(resource, version))
                    .disableShutdownHook()
                    .build()
                    .getOpenTelemetrySdk();
            return new TracingSdk(sdk);
        } catch (ConfigurationException e) {
            // e.g. OTEL_EXPORTER_OTLP_PROTOCOL=grpc: a start-up error naming the settings, as for weft's own
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            // the SDK's OTLP exporter speaks http/protobuf and grpc, and weft has no gRPC sender: http/json,
            // which this message offered, is refused by the SDK as well
            throw new InvalidConfigException("OTEL_*", "as set", "OpenTelemetry cannot be configured (weft exports "
                    + "OTLP over HTTP/protobuf: OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf, the default): "
                    + cause.getMessage(), e);
        }
    }

    private static Resource named(Resource resource, String version) {
        ResourceBuilder builder = resource.toBuilder();
        String name = resource.getAttribute(SERVICE_NAME);
        if (name == null || name.startsWith(UNNAMED_PREFIX)) {
            builder.put(SERVICE_NAME, "weft");
        }
        if (resource.getAttribute(SERVICE_VERSION) == null) {
            builder.put(SERVICE_VERSION, version);
        }
        return builder.build();
    }

    OpenTelemetry openTelemetry() {
        return sdk;
    }

    /**
     * Exports what is buffered and stops, waiting at most {@link #SHUTDOWN_WAIT}: a collector that accepts the
     * connection and never answers held every stop for the exporter's 10 s, on top of the requests' grace, which
     * took a default stop (10 s grace) past docker compose's 20 s to SIGKILL; the spans of a stop's last seconds are
     * worth less than a clean exit.
     */
    void shutdown() {
        sdk.shutdown().join(SHUTDOWN_WAIT.toMillis(), TimeUnit.MILLISECONDS);
    }
}
