package dev.weft.service;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.Encoder;
import ch.qos.logback.core.spi.ContextAwareBase;
import ch.qos.logback.core.status.NopStatusListener;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import net.logstash.logback.encoder.LogstashEncoder;

/**
 * The service's logging setup, in code: one line per event on stderr, in the format {@code WEFT_LOG_FORMAT} names
 * ({@link LogFormat}): {@code ecs} (the default; {@code json} is an alias) writes Elastic Common Schema JSON
 * ({@code @timestamp}, {@code log.level}, {@code message}, {@code log.logger}, {@code process.thread.name},
 * {@code service.name} from {@code OTEL_SERVICE_NAME} or {@code weft}, {@code service.version}, every MDC key and
 * every key-value as a typed top-level field, {@code error.*} for a throwable), {@code logstash}
 * logstash-logback-encoder's schema, {@code text} plain lines. An unknown format gets the default here (a
 * configurator cannot stop the JVM); {@link ServiceConfig#fromEnv} then refuses it. The root level comes from
 * {@code WEFT_LOG_LEVEL} (default {@code INFO}); HikariCP is at WARN, and Apache HttpClient's header and wire logs at
 * INFO, where they write nothing (at DEBUG they print the provider's credentials and every body). The access log (one line per request) is off
 * unless {@code WEFT_ACCESS_LOG=INFO} (or {@code ON}), as Spring Boot's, Quarkus's and Helidon's are:
 * {@code http.server.requests} on {@code /metrics} counts every request, and a JSON line per request cost 30 % of the
 * cheapest route's throughput. Each setting is read as a system property first, then from the environment, as
 * logback's {@code ${NAME}} would.
 *
 * <p>Logback finds it through {@code META-INF/services}. Reading the same setup from a {@code logback.xml} took about
 * 200 ms of a cold start (the XML model is built and interpreted on every start); this takes a few. A
 * {@code -Dlogback.configurationFile}, a {@code logback-test.xml} or a {@code logback.xml} on the class path still
 * wins: then this steps aside and logback reads that file as usual.
 */
public final class LogConfigurator extends ContextAwareBase implements Configurator {
    /** The access log's logger: one line per request. */
    public static final String ACCESS_LOGGER = "dev.weft.service.access";
    /** Apache HttpClient 5's loggers of every header and body byte; kept at INFO whatever {@code WEFT_LOG_LEVEL}. */
    static final List<String> HTTP_CLIENT_WIRE_LOGS = List.of("org.apache.hc.client5.http.headers",
            "org.apache.hc.client5.http.wire");

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
     * @param settings looks up {@code WEFT_LOG_FORMAT}, {@code WEFT_LOG_LEVEL}, {@code WEFT_ACCESS_LOG} and
     *     {@code OTEL_SERVICE_NAME}
     */
    static void apply(LoggerContext context, Function<String, String> settings) {
        // no logback status lines on stdout: stdout carries only what the weft command prints
        context.getStatusManager().add(new NopStatusListener());
        LogFormat format = LogFormat.parse(settings.apply(LogFormat.SETTING)).orElse(LogFormat.ECS);
        Encoder<ILoggingEvent> encoder = switch (format) {
            case ECS -> ecsEncoder(settings);
            case LOGSTASH -> logstashEncoder();
            case TEXT -> textEncoder();
        };
        encoder.setContext(context);
        encoder.start();
        ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
        console.setContext(context);
        console.setName(format.name());
        console.setTarget("System.err");
        console.setEncoder(encoder);
        console.start();

        Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.setLevel(level(setting(settings, "WEFT_LOG_LEVEL", "INFO"), Level.INFO));
        root.addAppender(console);
        context.getLogger("com.zaxxer.hikari").setLevel(Level.WARN);
        // Apache HttpClient's header and wire logs write at DEBUG every header and body byte a client sends: the
        // provider's Authorization and X-API-Key in clear, and every upload and webhook payload. A root level of
        // debug or trace is for weft's own events, so these two stay at INFO, where they write nothing.
        for (String wireLog : HTTP_CLIENT_WIRE_LOGS) {
            context.getLogger(wireLog).setLevel(Level.INFO);
        }
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


    private static Encoder<ILoggingEvent> ecsEncoder(Function<String, String> settings) {
        EcsKeyValueEncoder encoder = new EcsKeyValueEncoder();
        encoder.setServiceName(setting(settings, "OTEL_SERVICE_NAME", "weft"));
        encoder.setServiceVersion(BuildInfo.manifestVersion());
        return encoder;
    }

    private static Encoder<ILoggingEvent> logstashEncoder() {
        // its own method: the class (and Jackson 3 behind it) loads only when this format is chosen
        LogstashEncoder encoder = new LogstashEncoder();
        // a request_id key-value would repeat the MDC's (every event logged in a request has it there: RequestMdc),
        // and a repeated key makes Elasticsearch refuse the line
        encoder.addExcludeKeyValueKeyName("request_id");
        return encoder;
    }

    private static Encoder<ILoggingEvent> textEncoder() {
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        // the request's and trace's ids from the MDC, each only when present
        encoder.setPattern("%d{HH:mm:ss.SSS} %-5level %logger{20} %msg %kvp"
                + "%replace( request_id=%X{request_id}){' request_id=$', ''}"
                + "%replace( trace.id=%X{trace.id}){' trace.id=$', ''}%n");
        return encoder;
    }
}
