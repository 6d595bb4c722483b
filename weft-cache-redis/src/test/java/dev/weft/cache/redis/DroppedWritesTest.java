package dev.weft.cache.redis;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** The dropped-write policy on a fake clock: every drop counts, a WARN line at most once per interval. */
class DroppedWritesTest {
    private final AtomicLong nanos = new AtomicLong(-5); // nanoTime may be negative
    private final DroppedWrites dropped = new DroppedWrites("uploads", Duration.ofMillis(100), nanos::get);
    private final ListAppender<ILoggingEvent> lines = new ListAppender<>();
    private final Logger log = (Logger) LoggerFactory.getLogger(RedisCaches.class);

    @BeforeEach
    void captureLog() {
        lines.start();
        log.addAppender(lines);
    }

    @AfterEach
    void releaseLog() {
        log.detachAppender(lines);
    }

    private List<Map<String, Object>> warnings() {
        return lines.list.stream()
                .filter(event -> event.getLevel() == Level.WARN && event.getMessage().startsWith("cache write dropped"))
                .map(event -> event.getKeyValuePairs().stream()
                        .collect(Collectors.toMap(pair -> pair.key, pair -> pair.value)))
                .toList();
    }

    @Test
    void theFirstDroppedWriteIsLoggedWithTheKeysLengthNotTheKeyAndTheSize() {
        dropped.value("user:secret@example.com", 20_000_123);

        assertThat(warnings()).singleElement().satisfies(line -> {
            assertThat(line).containsEntry("cache", "uploads").containsEntry("key_length", 23)
                    .containsEntry("bytes", 20_000_123).containsEntry("command_timeout_ms", 100L)
                    .containsEntry("dropped_since_last_line", 1L);
            assertThat(line.values()).noneMatch(value -> String.valueOf(value).contains("secret"));
        });
        assertThat(dropped.count()).isEqualTo(1);
    }

    @Test
    void dropsWithinTheIntervalAreCountedAndReportedInTheNextLine() {
        dropped.value("a", 10);
        nanos.addAndGet(DroppedWrites.LOG_INTERVAL.toNanos() - 1);
        dropped.value("b", 20);
        dropped.value("c", 30);
        dropped.invalidation();
        assertThat(warnings()).hasSize(1);

        nanos.addAndGet(1);
        dropped.value("d", 40);

        assertThat(warnings()).hasSize(2);
        assertThat(warnings().get(1)).containsEntry("bytes", 40).containsEntry("dropped_since_last_line", 3L);
        assertThat(dropped.count()).isEqualTo(5);
    }
}
