package dev.weft.service;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Path parameters from a route template's names, split once per route. */
class EdgeParamsTest {
    @Test
    void literalsHaveNoName() {
        assertThat(Edge.paramNames(List.of("users", "{id}", "stats"))).containsExactly(null, "id", null);
    }

    @Test
    void noParameterGivesAnEmptyMap() {
        String[] names = Edge.paramNames(List.of("health", "live"));

        assertThat(Edge.params(names, List.of("health", "live"))).isEmpty();
    }

    @Test
    void oneParameterIsNamed() {
        String[] names = Edge.paramNames(List.of("users", "{id}"));

        assertThat(Edge.params(names, List.of("users", "42"))).containsExactlyEntriesOf(Map.of("id", "42"));
    }

    @Test
    void everyParameterOfATemplateWithSeveralIsKept() {
        String[] names = Edge.paramNames(List.of("users", "{id}", "videos", "{video}", "{part}"));

        assertThat(Edge.params(names, List.of("users", "7", "videos", "9", "a b")))
                .hasSize(3)
                .containsEntry("id", "7")
                .containsEntry("video", "9")
                .containsEntry("part", "a b");
    }
}
