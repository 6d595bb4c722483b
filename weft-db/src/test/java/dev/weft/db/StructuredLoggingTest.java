package dev.weft.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.OutputStreamAppender;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;

/** weft-db logs JSON lines with its key-values, and never a secret, at every level. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class StructuredLoggingTest {
    private static final String PASSWORD = "hunter2-Sup3rSecret";

    @Test
    void operationsLogJsonLinesWithKeyValuesAndNoSecrets() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        JsonEncoder encoder = new JsonEncoder();
        encoder.setContext(context);
        encoder.start();
        OutputStreamAppender<ILoggingEvent> appender = new OutputStreamAppender<>();
        appender.setContext(context);
        appender.setEncoder(encoder);
        appender.setOutputStream(out);
        appender.start();
        Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        Logger weft = context.getLogger("dev.weft");
        Level before = weft.getLevel();
        root.addAppender(appender);
        weft.setLevel(Level.DEBUG);
        try {
            DatabaseConfig withPassword = TestDatabases.POSTGRESQL.config(builder -> builder.password(PASSWORD)
                    .property("ApplicationName", "logging-test"));
            try (Database db = Database.create(withPassword)) {
                db.query("SELECT :n AS n", Map.of("n", 1), Integer.class);
                assertThatThrownBy(() -> db.statement("SELECT * FROM missing_table_z").list())
                        .isInstanceOf(DatabaseException.class);
            }
            DatabaseConfig unreachable = DatabaseConfig.builder(DatabaseType.POSTGRESQL).host("127.0.0.1").port(1)
                    .database("test").username("postgres").password(PASSWORD).acquireTimeout(Duration.ofSeconds(1))
                    .connectTimeout(Duration.ofSeconds(1)).build();
            try (Database down = Database.create(unreachable)) {
                assertThatThrownBy(() -> down.query("SELECT 1", Map.of(), Integer.class))
                        .isInstanceOf(DatabaseUnavailableException.class)
                        .satisfies(e -> assertThat(e.getMessage()).doesNotContain(PASSWORD));
            }
        } finally {
            root.detachAppender(appender);
            weft.setLevel(before);
            appender.stop();
        }

        String log = out.toString(StandardCharsets.UTF_8);

        assertThat(log).doesNotContain(PASSWORD);
        assertThat(log.lines().filter(line -> line.contains("\"database operation\"")).findFirst())
                .hasValueSatisfying(line -> assertThat(line)
                        .startsWith("{").contains("\"level\":\"DEBUG\"").contains("\"timestamp\"")
                        .contains("\"query_id\"").contains("\"operation\"").contains("\"duration_ms\"")
                        .contains("\"rows\"").contains("\"outcome\"").contains("\"database\""));
        assertThat(log).contains("\"error.code\"").contains("database opened");
    }
}
