package dev.weft.service;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.Encoder;
import ch.qos.logback.core.spi.ContextAwareBase;
import ch.qos.logback.core.status.NopStatusListener;
import java.util.Locale;
import java.util.function.Function;

/**
 * The service's logging setup, in code: JSON lines on stderr (timestamp, level, logger, message and the key-values weft
 * adds), or plain lines with {@code WEFT_LOG_FORMAT=text}; the root level from {@code WEFT_LOG_LEVEL} (default
 * {@code INFO}); HikariCP at WARN. The access log (one line per request) is off unless {@code WEFT_ACCESS_LOG=INFO}
 * (or {@code ON}), as Spring Boot's, Quarkus's and Helidon's are: {@code http.server.requests} on {@code /metrics}
 * counts every request, and a JSON line per request cost 30 % of the cheapest route's throughput. Each setting is
 * read as a system property first, then from the environment, as logback's {@code ${NAME}} would.
 *
 * <p>Logback finds it through {@code META-INF/services}. Reading the same setup from a {@code logback.xml} took about
 * 200 ms of a cold start (the XML model is built and interpreted on every start); this takes a few. A
 * {@code -Dlogback.configurationFile}, a {@code logback-test.xml} or a {@code logback.xml} on the class path still
 * wins: then this steps aside and logback reads that file as usual.
 */
public final class LogConfigurator extends ContextAwareBase implements Configurator {
    /** The access log's logger: one line per request. */
    public static final String ACCESS_LOGGER = "dev.weft.service.access";

    /** Logback creates it through the service loader. */
    public LogConfigurator() {
    }

    @Override
    public ExecutionStatus configure(LoggerContext context) {
        ClassLoader loader = LogConfigurator.class.getClassLoader();
        if (System.getProperty("logback.configurationFile") != null || loader.getResource("logback-test.xml") != null
                || loader.getResource("logback.xml") != null) {
            return ExecutionStatus.INVOKE_NEXT_IF_ANY;
        }
        apply(context, name -> {
            String value = System.getProperty(name);
            return value != null ? value : System.getenv(name);
        });
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }

    /**
     * Sets up {@code context} from the settings.
     *
     * @param context the logger context
     * @param settings looks up {@code WEFT_LOG_FORMAT}, {@code WEFT_LOG_LEVEL} and {@code WEFT_ACCESS_LOG}
     */
    static void apply(LoggerContext context, Function<String, String> settings) {
        // no logback status lines on stdout: stdout carries only what the weft command prints
        context.getStatusManager().add(new NopStatusListener());
        boolean text = "text".equalsIgnoreCase(setting(settings, "WEFT_LOG_FORMAT", "json"));
        Encoder<ILoggingEvent> encoder = text ? textEncoder(context) : jsonEncoder(context);
        ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
        console.setContext(context);
        console.setName(text ? "TEXT" : "JSON");
        console.setTarget("System.err");
        console.setEncoder(encoder);
        console.start();

        Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.setLevel(level(setting(settings, "WEFT_LOG_LEVEL", "INFO"), Level.INFO));
        root.addAppender(console);
        context.getLogger("com.zaxxer.hikari").setLevel(Level.WARN);
        String access = setting(settings, "WEFT_ACCESS_LOG", "OFF");
        context.getLogger(ACCESS_LOGGER).setLevel(access.equalsIgnoreCase("ON") ? Level.INFO : level(access, Level.OFF));
    }

    private static String setting(Function<String, String> settings, String name, String fallback) {
        String value = settings.apply(name);
        return value == null || value.isBlank() ? fallback : value.strip();
    }

    private static Level level(String name, Level fallback) {
        return Level.toLevel(name.toUpperCase(Locale.ROOT), fallback);
    }

    private static Encoder<ILoggingEvent> jsonEncoder(LoggerContext context) {
        JsonEncoder encoder = new JsonEncoder();
        encoder.setContext(context);
        encoder.setWithSequenceNumber(false);
        encoder.setWithNanoseconds(false);
        encoder.setWithContext(false);
        encoder.start();
        return encoder;
    }

    private static Encoder<ILoggingEvent> textEncoder(LoggerContext context) {
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern("%d{HH:mm:ss.SSS} %-5level %logger{20} %msg %kvp%n");
        encoder.start();
        return encoder;
    }
}
