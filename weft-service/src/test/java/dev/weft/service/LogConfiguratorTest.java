package dev.weft.service;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.OutputStreamAppender;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.slf4j.event.KeyValuePair;

/** The logging setup in code: the same lines, levels and switches the service documents. */
class LogConfiguratorTest {
    /** Elasticsearch refuses a document with a repeated key; so does this reader. */
    private static final ObjectMapper STRICT = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
    private static final Map<String, String> REQUEST_MDC = Map.of("request_id", "r-1", "trace.id",
            "4bf92f3577b34da6a3ce929d0e0e4736", "span.id", "00f067aa0ba902b7", "job.id", "j-7", "video.id", "v-9");

    @Test
    void ecsLinesOnStderrAtInfoByDefault() throws Exception {
        LoggerContext context = configured(Map.of());

        ConsoleAppender<ILoggingEvent> console = console(context);
        assertThat(console.getTarget()).isEqualTo("System.err");
        assertThat(context.getLogger("ROOT").getLevel()).isEqualTo(Level.INFO);
        assertThat(context.getLogger(LogConfigurator.ACCESS_LOGGER).isInfoEnabled()).as("access log off").isFalse();
        assertThat(context.getLogger("com.zaxxer.hikari").getLevel()).isEqualTo(Level.WARN);

        LoggingEvent event = event(context, "request", null);
        event.setMDCPropertyMap(REQUEST_MDC);
        event.addKeyValuePair(new KeyValuePair("http.response.status_code", 200));
        event.addKeyValuePair(new KeyValuePair("duration_ms", 38.49));
        event.addKeyValuePair(new KeyValuePair("fenced", true));
        event.addKeyValuePair(new KeyValuePair("http.route", "/users/{id}"));
        event.addKeyValuePair(new KeyValuePair("nothing", null));
        String text = encode(console, event);
        JsonNode line = STRICT.readTree(text);

        assertThat(text).endsWith("\n").doesNotContain("\n{");
        assertThat(Instant.parse(line.path("@timestamp").asText())).isEqualTo(Instant.ofEpochMilli(event.getTimeStamp()));
        assertThat(line.path("log.level").asText()).isEqualTo("INFO");
        assertThat(line.path("message").asText()).isEqualTo("request");
        assertThat(line.path("log.logger").asText()).isEqualTo(LogConfigurator.ACCESS_LOGGER);
        assertThat(line.path("process.thread.name").asText()).isEqualTo(Thread.currentThread().getName());
        assertThat(line.path("service.name").asText()).isEqualTo("weft");
        assertThat(line.path("service.version").asText()).isEqualTo(BuildInfo.manifestVersion()).isNotBlank();
        // key-values: flat and typed
        assertThat(line.path("http.response.status_code").isInt()).isTrue();
        assertThat(line.path("http.response.status_code").intValue()).isEqualTo(200);
        assertThat(line.path("duration_ms").isDouble()).isTrue();
        assertThat(line.path("duration_ms").doubleValue()).isEqualTo(38.49);
        assertThat(line.path("fenced").isBoolean()).isTrue();
        assertThat(line.path("fenced").booleanValue()).isTrue();
        assertThat(line.path("http.route").asText()).isEqualTo("/users/{id}");
        assertThat(line.get("nothing").isNull()).isTrue();
        // every MDC key on the top level
        REQUEST_MDC.forEach((key, value) -> assertThat(line.path(key).asText()).as(key).isEqualTo(value));
        // nothing else: no kvpList, mdc, throwable or epoch timestamp
        List<String> names = new ArrayList<>();
        line.fieldNames().forEachRemaining(names::add);
        assertThat(names).containsExactlyInAnyOrder("@timestamp", "log.level", "message", "ecs.version",
                "service.name", "service.version", "event.dataset", "process.thread.name", "log.logger",
                "request_id", "trace.id", "span.id", "job.id", "video.id", "http.response.status_code",
                "duration_ms", "fenced", "http.route", "nothing");
    }

    @Test
    void ecsLineOfAThrowableHasTheErrorFields() throws Exception {
        LoggerContext context = configured(Map.of());
        LoggingEvent event = event(context, "step failed", new IllegalStateException("provider said no"));
        // the throwable's fields win over a key-value of the same name: a repeated key would be refused
        event.addKeyValuePair(new KeyValuePair("error.message", "a duplicate"));
        event.addKeyValuePair(new KeyValuePair("attempts", 3L));

        JsonNode line = STRICT.readTree(encode(console(context), event));

        assertThat(line.path("error.type").asText()).isEqualTo(IllegalStateException.class.getName());
        assertThat(line.path("error.message").asText()).isEqualTo("provider said no");
        assertThat(line.path("error.stack_trace").asText())
                .startsWith("java.lang.IllegalStateException: provider said no")
                .contains("at dev.weft.service.LogConfiguratorTest.ecsLineOfAThrowableHasTheErrorFields");
        assertThat(line.path("attempts").isIntegralNumber()).isTrue();
        assertThat(line.path("attempts").longValue()).isEqualTo(3L);
    }

    @Test
    void aKeyValueThatRepeatsAnMdcKeyIsWrittenOnce() throws Exception {
        // the access line carries request_id as a key-value while RequestIdFilter has it in the MDC
        LoggerContext context = configured(Map.of("WEFT_LOG_FORMAT", "json", "OTEL_SERVICE_NAME", "videos-api"));
        LoggingEvent event = event(context, "request", null);
        event.setMDCPropertyMap(Map.of("request_id", "r-1"));
        event.addKeyValuePair(new KeyValuePair("request_id", "r-1"));
        event.addKeyValuePair(new KeyValuePair("message", "not the message"));

        JsonNode line = STRICT.readTree(encode(console(context), event));

        assertThat(line.path("request_id").asText()).isEqualTo("r-1");
        assertThat(line.path("message").asText()).isEqualTo("request");
        assertThat(line.path("service.name").asText()).as("OTEL_SERVICE_NAME").isEqualTo("videos-api");
        assertThat(console(context).getName()).as("json is ecs").isEqualTo("ECS");
    }

    @Test
    void logstashFormatWritesItsOwnSchemaWithKeyValuesAsFields() throws Exception {
        LoggerContext context = configured(Map.of("WEFT_LOG_FORMAT", "Logstash"));
        LoggingEvent event = event(context, "request", null);
        event.setMDCPropertyMap(Map.of("trace.id", "4bf92f3577b34da6a3ce929d0e0e4736", "request_id", "r-1"));
        event.addKeyValuePair(new KeyValuePair("duration_ms", 38.49));
        event.addKeyValuePair(new KeyValuePair("request_id", "r-1"));

        String text = encode(console(context), event);
        JsonNode line = STRICT.readTree(text);

        assertThat(text).endsWith("\n");
        assertThat(Instant.parse(line.path("@timestamp").asText().replaceFirst("([+-]\\d\\d:\\d\\d|Z)$", "Z")))
                .isNotNull();
        assertThat(line.path("@version").asText()).isEqualTo("1");
        assertThat(line.path("message").asText()).isEqualTo("request");
        assertThat(line.path("logger_name").asText()).isEqualTo(LogConfigurator.ACCESS_LOGGER);
        assertThat(line.path("level").asText()).isEqualTo("INFO");
        assertThat(line.path("level_value").asInt()).isEqualTo(20_000);
        assertThat(line.path("thread_name").asText()).isEqualTo(Thread.currentThread().getName());
        assertThat(line.path("duration_ms").isDouble()).isTrue();
        assertThat(line.path("request_id").asText()).isEqualTo("r-1");
        assertThat(line.path("trace.id").asText()).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
    }

    @Test
    void textFormatLevelsAndAnAccessLogSwitchedOn() {
        LoggerContext context = configured(Map.of("WEFT_LOG_FORMAT", "text", "WEFT_LOG_LEVEL", "debug",
                "WEFT_ACCESS_LOG", "on"));

        LoggingEvent plain = event(context, "started", null);
        plain.addKeyValuePair(new KeyValuePair("port", 8080));
        LoggingEvent inRequest = event(context, "request", null);
        inRequest.setMDCPropertyMap(Map.of("request_id", "r-1", "trace.id", "4bf92f35"));
        inRequest.addKeyValuePair(new KeyValuePair("duration_ms", 1.5));

        String line = encode(console(context), plain);
        assertThat(line).doesNotStartWith("{").contains("INFO ", "started", "port=\"8080\"")
                .doesNotContain("request_id", "trace.id").endsWith("\n");
        assertThat(encode(console(context), inRequest)).contains("request", "duration_ms=\"1.5\"",
                " request_id=r-1", " trace.id=4bf92f35");
        assertThat(context.getLogger("ROOT").getLevel()).isEqualTo(Level.DEBUG);
        assertThat(context.getLogger(LogConfigurator.ACCESS_LOGGER).getLevel()).isEqualTo(Level.INFO);
        assertThat(configured(Map.of("WEFT_ACCESS_LOG", "INFO")).getLogger(LogConfigurator.ACCESS_LOGGER).getLevel())
                .isEqualTo(Level.INFO);
    }

    @Test
    void httpClientHeaderAndWireLogsStayOffAtDebugAndTrace() {
        // they print every header a client sends: the provider's Authorization: Bearer and X-API-Key in clear
        for (String level : List.of("debug", "trace")) {
            LoggerContext context = configured(Map.of("WEFT_LOG_LEVEL", level));

            assertThat(context.getLogger("ROOT").isDebugEnabled()).as(level).isTrue();
            assertThat(context.getLogger("org.apache.hc.client5.http.impl.classic.InternalHttpClient")
                    .isDebugEnabled()).as("the client's other loggers follow the root").isTrue();
            for (String wireLog : List.of("org.apache.hc.client5.http.headers", "org.apache.hc.client5.http.wire")) {
                assertThat(context.getLogger(wireLog).isDebugEnabled()).as(wireLog + " at " + level).isFalse();
            }
        }
    }

    @Test
    void anUnknownFormatGetsEcsHereAndIsRefusedByTheServiceConfig() {
        // logback configures itself before main runs and cannot stop the JVM; ServiceConfig then refuses it
        LoggerContext context = configured(Map.of("WEFT_LOG_FORMAT", "xml"));

        assertThat(console(context).getName()).isEqualTo("ECS");
        assertThat(console(context).getEncoder()).isInstanceOf(EcsKeyValueEncoder.class);
    }

    @Test
    void anUnknownLevelFallsBackToInfo() {
        LoggerContext context = configured(Map.of("WEFT_LOG_LEVEL", "loud"));

        assertThat(context.getLogger("ROOT").getLevel()).isEqualTo(Level.INFO);
    }

    @Test
    void stepsAsideForALogbackFileOnTheClassPath() {
        // the test class path has logback-test.xml, as a deployment with its own logback.xml would
        LoggerContext context = new LoggerContext();
        LogConfigurator configurator = new LogConfigurator();
        configurator.setContext(context);

        assertThat(configurator.configure(context))
                .isEqualTo(ch.qos.logback.classic.spi.Configurator.ExecutionStatus.INVOKE_NEXT_IF_ANY);
        assertThat(context.getLogger("ROOT").iteratorForAppenders().hasNext()).isFalse();
    }

    private static LoggerContext configured(Map<String, String> settings) {
        LoggerContext context = new LoggerContext();
        context.setMDCAdapter(new ch.qos.logback.classic.util.LogbackMDCAdapter());
        LogConfigurator.apply(context, settings::get);
        return context;
    }

    @SuppressWarnings("unchecked")
    private static ConsoleAppender<ILoggingEvent> console(LoggerContext context) {
        List<OutputStreamAppender<ILoggingEvent>> appenders = new ArrayList<>();
        context.getLogger("ROOT").iteratorForAppenders()
                .forEachRemaining(appender -> appenders.add((OutputStreamAppender<ILoggingEvent>) appender));
        assertThat(appenders).hasSize(1).first().isInstanceOf(ConsoleAppender.class);
        return (ConsoleAppender<ILoggingEvent>) appenders.getFirst();
    }

    private static LoggingEvent event(LoggerContext context, String message, @Nullable Throwable throwable) {
        LoggingEvent event = new LoggingEvent(LogConfigurator.class.getName(),
                context.getLogger(LogConfigurator.ACCESS_LOGGER), Level.INFO, message, throwable, null);
        return event;
    }

    private static String encode(ConsoleAppender<ILoggingEvent> console, ILoggingEvent event) {
        return new String(console.getEncoder().encode(event), StandardCharsets.UTF_8);
    }
}
