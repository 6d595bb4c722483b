package dev.weft.service;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.OutputStreamAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.slf4j.event.KeyValuePair;

/** The logging setup in code: the same lines, levels and switches the service documents. */
class LogConfiguratorTest {
    @Test
    void jsonLinesOnStderrAtInfoByDefault() throws Exception {
        LoggerContext context = configured(Map.of());

        ConsoleAppender<ILoggingEvent> console = console(context);
        assertThat(console.getTarget()).isEqualTo("System.err");
        assertThat(context.getLogger("ROOT").getLevel()).isEqualTo(Level.INFO);
        assertThat(context.getLogger(LogConfigurator.ACCESS_LOGGER).isInfoEnabled()).as("access log off").isFalse();
        assertThat(context.getLogger("com.zaxxer.hikari").getLevel()).isEqualTo(Level.WARN);

        JsonNode line = new ObjectMapper().readTree(encode(console, context, "request"));
        assertThat(line.path("level").asText()).isEqualTo("INFO");
        assertThat(line.path("loggerName").asText()).isEqualTo(LogConfigurator.ACCESS_LOGGER);
        assertThat(line.path("message").asText()).isEqualTo("request");
        assertThat(line.path("kvpList").get(0).path("request_id").asText()).isEqualTo("r-1");
    }

    @Test
    void textFormatLevelsAndAnAccessLogSwitchedOn() {
        LoggerContext context = configured(Map.of("WEFT_LOG_FORMAT", "text", "WEFT_LOG_LEVEL", "debug",
                "WEFT_ACCESS_LOG", "on"));

        String line = encode(console(context), context, "request");
        assertThat(line).doesNotStartWith("{").contains("INFO ", "request", "request_id=\"r-1\"").endsWith("\n");
        assertThat(context.getLogger("ROOT").getLevel()).isEqualTo(Level.DEBUG);
        assertThat(context.getLogger(LogConfigurator.ACCESS_LOGGER).getLevel()).isEqualTo(Level.INFO);
        assertThat(configured(Map.of("WEFT_ACCESS_LOG", "INFO")).getLogger(LogConfigurator.ACCESS_LOGGER).getLevel())
                .isEqualTo(Level.INFO);
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
        List<OutputStreamAppender<ILoggingEvent>> appenders = new java.util.ArrayList<>();
        context.getLogger("ROOT").iteratorForAppenders()
                .forEachRemaining(appender -> appenders.add((OutputStreamAppender<ILoggingEvent>) appender));
        assertThat(appenders).hasSize(1).first().isInstanceOf(ConsoleAppender.class);
        return (ConsoleAppender<ILoggingEvent>) appenders.getFirst();
    }

    private static String encode(ConsoleAppender<ILoggingEvent> console, LoggerContext context, String message) {
        LoggingEvent event = new LoggingEvent(LogConfigurator.class.getName(),
                context.getLogger(LogConfigurator.ACCESS_LOGGER), Level.INFO, message, null, null);
        event.addKeyValuePair(new KeyValuePair("request_id", "r-1"));
        return new String(console.getEncoder().encode(event), StandardCharsets.UTF_8);
    }
}
