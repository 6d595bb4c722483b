package dev.weft.service.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** A check in MicroProfile Health's shape: {@code data} holds only strings, numbers and booleans. */
class HealthCheckShapeTest {
    @Test
    void flattensNestedMapsToDottedKeysAndJoinsLists() {
        Map<String, Object> byState = new LinkedHashMap<>();
        byState.put("queued", 2L);
        byState.put("failed", 0L);
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("queue_depth", 2L);
        data.put("by_state", byState);
        data.put("deeper", Map.of("a", Map.of(7, true)));
        data.put("tiers", new TreeSet<>(Set.of("local", "redis")));
        data.put("empty", List.of());
        data.put("healthy", true);
        data.put("latency_ms", 1.5);
        data.put("state", Thread.State.RUNNABLE);
        data.put("absent", null);

        Map<String, Object> check = HealthModule.check("jobs", true, data);

        assertThat(check).containsEntry("name", "jobs").containsEntry("status", "UP");
        Map<String, Object> expected = new LinkedHashMap<>();
        expected.put("queue_depth", 2L);
        expected.put("by_state.queued", 2L);
        expected.put("by_state.failed", 0L);
        expected.put("deeper.a.7", true);
        expected.put("tiers", "local,redis");
        expected.put("empty", "");
        expected.put("healthy", true);
        expected.put("latency_ms", 1.5);
        expected.put("state", "RUNNABLE");
        assertThat(check.get("data")).isEqualTo(expected);
        List<Object> keys = List.copyOf(((Map<?, ?>) check.get("data")).keySet());
        assertThat(keys).containsExactlyElementsOf(expected.keySet()); // in the order the check gave
    }

    @Test
    void leavesDataOutWhenThereIsNone() {
        assertThat(HealthModule.check("database", false, Map.of())).containsOnlyKeys("name", "status")
                .containsEntry("status", "DOWN");
    }
}
