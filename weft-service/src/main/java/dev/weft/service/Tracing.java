package dev.weft.service;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Tracer;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import org.jspecify.annotations.Nullable;

/**
 * The service's OpenTelemetry: an SDK exporting over OTLP when the standard variables ask for export, else
 * {@link OpenTelemetry#noop()}. Export is asked for by {@code OTEL_EXPORTER_OTLP_ENDPOINT},
 * {@code OTEL_EXPORTER_OTLP_TRACES_ENDPOINT}, or {@code OTEL_TRACES_EXPORTER} other than {@code none} (or the
 * matching {@code otel.*} system properties); the SDK is then configured by OpenTelemetry's own autoconfiguration
 * from every {@code OTEL_*} variable ({@link TracingSdk}). Without them no SDK class is loaded and the edge installs no
 * tracing filter, so tracing costs nothing.
 *
 * <p>The instance is handed to the database, the caches and the provider's HTTP client, never made global: tests
 * start several services in one JVM.
 *
 * <p>Thread-safe. {@link #close()} flushes the spans still buffered and shuts the SDK down; idempotent.
 */
public final class Tracing implements AutoCloseable {
    /** The instrumentation scope of the service's own spans (server spans, job steps). */
    public static final String SCOPE = "dev.weft.service";
    /** The MDC key of the current trace's id (ECS {@code trace.id}), set while a span of the service is current. */
    public static final String TRACE_ID_MDC = "trace.id";
    /** The MDC key of the current span's id (ECS {@code span.id}). */
    public static final String SPAN_ID_MDC = "span.id";

    private static final Tracing OFF = new Tracing(OpenTelemetry.noop(), false, () -> { });

    private final OpenTelemetry openTelemetry;
    private final boolean enabled;
    private final Runnable shutdown;
    private final Tracer tracer;

    private Tracing(OpenTelemetry openTelemetry, boolean enabled, Runnable shutdown) {
        this.openTelemetry = openTelemetry;
        this.enabled = enabled;
        this.shutdown = shutdown;
        this.tracer = openTelemetry.getTracer(SCOPE);
    }

    /** @return tracing turned off: the noop instance, nothing exported */
    public static Tracing off() {
        return OFF;
    }

    /**
     * Tracing with an OpenTelemetry the caller built (an application embedding the service, a test with an in-memory
     * exporter): the edge makes server spans, and the libraries and jobs use it.
     *
     * @param openTelemetry the instance; not made global
     * @param onClose what {@link #close()} does (shut the caller's SDK down, or nothing if the caller does)
     * @return tracing on
     */
    public static Tracing of(OpenTelemetry openTelemetry, Runnable onClose) {
        return new Tracing(Objects.requireNonNull(openTelemetry, "openTelemetry"), true,
                Objects.requireNonNull(onClose, "onClose"));
    }

    /**
     * Builds the SDK when the variables or system properties ask for export, else {@link #off()}.
     *
     * @param env the environment (its {@code OTEL_*} variables)
     * @param properties the system properties (their {@code otel.*} keys)
     * @return the service's tracing; close it on stop
     */
    public static Tracing fromEnvironment(Map<String, String> env, Properties properties) {
        if (!exportRequested(env, properties)) {
            return OFF;
        }
        // only here are SDK classes loaded
        TracingSdk sdk = TracingSdk.autoConfigured(BuildInfo.manifestVersion());
        return new Tracing(sdk.openTelemetry(), true, sdk::shutdown);
    }

    /**
     * @param env the environment
     * @param properties the system properties
     * @return whether they ask for trace export
     */
    static boolean exportRequested(Map<String, String> env, Properties properties) {
        Objects.requireNonNull(env, "env");
        Objects.requireNonNull(properties, "properties");
        if ("true".equalsIgnoreCase(setting(env, properties, "OTEL_SDK_DISABLED"))) {
            return false;
        }
        String exporter = setting(env, properties, "OTEL_TRACES_EXPORTER");
        if (exporter != null) {
            return !exporter.trim().equalsIgnoreCase("none");
        }
        return setting(env, properties, "OTEL_EXPORTER_OTLP_ENDPOINT") != null
                || setting(env, properties, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") != null;
    }

    /** The system property ({@code otel.traces.exporter}) wins over the variable, as in OpenTelemetry's own rule. */
    private static @Nullable String setting(Map<String, String> env, Properties properties, String variable) {
        String property = properties.getProperty(variable.toLowerCase(java.util.Locale.ROOT).replace('_', '.'));
        String value = property != null ? property : env.get(variable);
        return value == null || value.isBlank() ? null : value;
    }


    /** @return the instance to hand to libraries; {@link OpenTelemetry#noop()} when off */
    public OpenTelemetry openTelemetry() {
        return openTelemetry;
    }

    /** @return whether an SDK exports spans; when not, the edge adds no tracing filter */
    public boolean enabled() {
        return enabled;
    }

    /** @return the tracer of the service's own spans */
    public Tracer tracer() {
        return tracer;
    }

    /** Flushes buffered spans (bounded) and shuts the SDK down. */
    @Override
    public void close() {
        shutdown.run();
    }
}
