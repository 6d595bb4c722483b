package dev.weft.service.ops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.service.Json;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The stream builds the dashboard's sections again only when its view says they may have moved. */
class DashboardStreamSectionsTest {
    @Test
    void buildsTheSectionsAgainOnlyWhenTheirVersionMoves() {
        CountingView view = new CountingView();
        DashboardStream stream = new DashboardStream(view, Json.create(), Clock.systemUTC(), new SimpleMeterRegistry());

        String first = body(stream.snapshot(0));
        stream.afterReading();
        String unchanged = body(stream.snapshot(0));

        assertThat(view.builds).as("one build for two readings with the same version").isEqualTo(1);
        assertThat(unchanged).contains("\"jobs\":{\"queued\":1}").isEqualTo(first);

        view.version++;
        view.queued = 2;
        stream.afterReading();
        String moved = body(stream.snapshot(0));

        assertThat(view.builds).isEqualTo(2);
        assertThat(moved).contains("\"jobs\":{\"queued\":2}");
        assertThat(stream.renders()).as("a rendering per reading all the same").isEqualTo(3);
    }

    private static String body(DashboardStream.Snapshot snapshot) {
        return new String(snapshot.body(), StandardCharsets.UTF_8);
    }

    /** A view whose sections move only when the test says so, counting how often they are built. */
    private static final class CountingView implements DashboardStream.View {
        long version = 7;
        long queued = 1;
        int builds;

        @Override
        public Map<String, Object> head() {
            Map<String, Object> head = new LinkedHashMap<>();
            head.put("interval_ms", 2000);
            return head;
        }

        @Override
        public long sectionsVersion() {
            return version;
        }

        @Override
        public Map<String, Object> sections() {
            builds++;
            Map<String, Object> sections = new LinkedHashMap<>();
            sections.put("jobs", Map.of("queued", queued));
            return sections;
        }

        @Override
        public byte[] samplesAfter(long after) {
            return "[]".getBytes(StandardCharsets.US_ASCII);
        }

        @Override
        public long newestSampleAt() {
            return 0;
        }
    }
}
