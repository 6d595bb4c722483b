package dev.weft.service.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.core.InvalidConfigException;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EventsConfigTest {
    @Test
    void readsEverySettingFromTheEnvironment() {
        EventsConfig config = EventsConfig.fromEnv(Map.of("WEFT_EVENTS_KEEP_PER_USER", "50",
                "WEFT_EVENTS_MAX_AGE_MS", "3600000", "WEFT_EVENTS_POLL_MS", "100", "WEFT_EVENTS_HEARTBEAT_MS", "5000",
                "WEFT_EVENTS_MAX_STREAMS", "20", "WEFT_EVENTS_MAX_STREAMS_PER_KEY", "2"));

        assertThat(config).isEqualTo(new EventsConfig(50, Duration.ofHours(1), Duration.ofMillis(100),
                Duration.ofSeconds(5), 20, 2));
        assertThat(EventsConfig.fromEnv(Map.of())).isEqualTo(EventsConfig.defaults());
    }

    @Test
    void aBadValueNamesItsSettingAndIsNeverClamped() {
        assertThatThrownBy(() -> EventsConfig.fromEnv(Map.of("WEFT_EVENTS_POLL_MS", "often")))
                .isInstanceOf(InvalidConfigException.class).hasMessageContaining("WEFT_EVENTS_POLL_MS");
        assertThatThrownBy(() -> EventsConfig.defaults().withHeartbeat(Duration.ofMillis(1)))
                .isInstanceOf(InvalidConfigException.class).hasMessageContaining("weft.events.heartbeat");
        assertThatThrownBy(() -> EventsConfig.defaults().withStreamLimits(5, 6))
                .isInstanceOf(InvalidConfigException.class).hasMessageContaining("weft.events.max-streams-per-key");
    }
}
