package dev.weft.service;

import ch.qos.logback.classic.LoggerContext;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmInfoMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.logging.LogbackMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.slf4j.LoggerFactory;

/**
 * The process-wide meters, under the names Micrometer's binders (and so Spring Boot's Actuator) give them:
 * {@code jvm.info}, {@code jvm.memory.*}, {@code jvm.gc.*}, {@code jvm.threads.*}, {@code jvm.classes.*},
 * {@code system.cpu.*}/{@code process.cpu.*}, {@code process.start.time} and {@code process.uptime}, and
 * {@code logback.events} (log events per level). Closing it detaches the GC listener and Logback's counting filter.
 *
 * <p>Thread-safe.
 */
final class ProcessMetrics implements AutoCloseable {
    private final JvmGcMetrics gc;
    private final @Nullable LogbackMetrics logback;

    private ProcessMetrics(JvmGcMetrics gc, @Nullable LogbackMetrics logback) {
        this.gc = gc;
        this.logback = logback;
    }

    /**
     * Binds the meters to a registry.
     *
     * @param registry the registry
     * @return the binders to close with the registry
     */
    static ProcessMetrics bind(MeterRegistry registry) {
        new JvmInfoMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        JvmGcMetrics gc = new JvmGcMetrics();
        gc.bindTo(registry);
        // The context LogConfigurator configured: SLF4J's factory is that LoggerContext once Logback is bound, and
        // the counting filter is added to it after configuration (a later reset would drop it). Another SLF4J
        // binding has no Logback context to count in.
        LogbackMetrics logback = null;
        if (LoggerFactory.getILoggerFactory() instanceof LoggerContext context) {
            logback = new LogbackMetrics(List.of(), context);
            logback.bindTo(registry);
        }
        return new ProcessMetrics(gc, logback);
    }

    @Override
    public void close() {
        gc.close();
        if (logback != null) {
            logback.close();
        }
    }
}
