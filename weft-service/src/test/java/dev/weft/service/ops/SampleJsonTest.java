package dev.weft.service.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The samples' hand-written JSON: the same document Jackson makes of the same figures, and always valid JSON. */
class SampleJsonTest {
    private static final ObjectMapper JACKSON = new ObjectMapper();
    private static final double[] BOUNDS = {1, 2, 5, 10};
    private static final long[] NONE = new long[5];

    @Test
    void writesWhatJacksonWritesForASampleWithTraffic() throws Exception {
        Map<String, DashboardWindow.RouteDelta> routes = new TreeMap<>();
        routes.put("GET /users/{id}", new DashboardWindow.RouteDelta(7, 1, 2, new long[] {1, 3, 2, 1, 0}));
        routes.put("POST /users", new DashboardWindow.RouteDelta(3, 0, 0, new long[] {0, 0, 1, 1, 1}));
        long[] latency = {1, 3, 3, 2, 1};
        DashboardWindow.Sample sample = new DashboardWindow.Sample(1_765_000_000_123L, 2.003, routes, latency,
                linked("queued", 4L, "processing", 2L), linked("completed", 1L, "failed", 0L), 3, 5, 1, 41, 2,
                linked("delivered", 6L));

        String written = new String(SampleJson.array(List.of(sample), BOUNDS), StandardCharsets.UTF_8);

        Map<String, Object> expected = new LinkedHashMap<>();
        expected.put("t", 1_765_000_000_123L);
        expected.put("requests_per_s", Math.round(10 / 2.003 * 100) / 100.0);
        expected.put("server_errors_per_s", Math.round(1 / 2.003 * 100) / 100.0);
        expected.put("client_errors_per_s", Math.round(2 / 2.003 * 100) / 100.0);
        expected.put("p50_ms", LatencyBuckets.percentile(latency, BOUNDS, 0.50));
        expected.put("p95_ms", LatencyBuckets.percentile(latency, BOUNDS, 0.95));
        expected.put("p99_ms", LatencyBuckets.percentile(latency, BOUNDS, 0.99));
        expected.put("jobs", linked("queued", 4L, "processing", 2L));
        expected.put("finished", linked("completed", 1L, "failed", 0L));
        expected.put("pool", linked("in_use", 3L, "idle", 5L, "waiting", 1L));
        expected.put("queries_per_s", Math.round(41 / 2.003 * 100) / 100.0);
        expected.put("query_errors_per_s", Math.round(2 / 2.003 * 100) / 100.0);
        expected.put("webhook_attempts", linked("delivered", 6L));
        assertThat(written).isEqualTo(JACKSON.writeValueAsString(List.of(expected)));
    }

    @Test
    void writesNullPercentilesAndEmptyCountsForAnIdleSample() throws Exception {
        DashboardWindow.Sample idle = new DashboardWindow.Sample(5_000, 2.0, Map.of(), NONE, Map.of(), Map.of(),
                0, 8, 0, 0, 0, Map.of());

        JsonNode written = JACKSON.readTree(SampleJson.array(List.of(idle, idle), new double[0]));

        assertThat(written).hasSize(2);
        assertThat(written.get(0).path("p99_ms").isNull()).isTrue();
        assertThat(written.get(0).path("requests_per_s").asDouble()).isZero();
        assertThat(written.get(0).path("jobs").isEmpty()).isTrue();
        assertThat(written.get(1).path("pool").path("idle").asInt()).isEqualTo(8);
    }

    @Test
    void escapesNamesThatNeedIt() throws Exception {
        DashboardWindow.Sample odd = new DashboardWindow.Sample(1, 1.0, Map.of(), NONE, linked("a\"b\\c\nd", 1L),
                Map.of(), 0, 0, 0, 0, 0, Map.of());

        JsonNode written = JACKSON.readTree(SampleJson.array(List.of(odd), BOUNDS));

        assertThat(written.get(0).path("jobs").path("a\"b\\c\nd").asLong()).isEqualTo(1);
        assertThat(new String(SampleJson.array(List.of(), BOUNDS), StandardCharsets.UTF_8)).isEqualTo("[]");
    }

    @Test
    void writesEveryNameAsJacksonDoes() throws Exception {
        for (String name : List.of("completed", "in_use", "a b", "", "quote\"", "back\\slash", "tab\t", "\u0000",
                "\u001f", "\u007f", "é", "雪", "\uD83D\uDE00", "</script>")) {
            String written = SampleJson.string(new StringBuilder(), name).toString();
            assertThat(written).as("%s", name).isEqualTo(JACKSON.writeValueAsString(name));
        }
    }

    @Test
    void writesDecimalsAsDoubleToStringDoes() {
        double[] values = {0, 0.01, 0.07, 0.1, 0.5, 1, 2.5, 8.25, 12.3, 99.99, 1234.56, 100_000, 9_999_999.99, 1e7,
            3.5e9, 1.0 / 3, 0.125, 1e-5, -2.5, Double.MIN_VALUE};
        for (double value : values) {
            StringBuilder out = new StringBuilder();
            SampleJson.decimal(out, value);
            assertThat(out.toString()).as("%s", value).isEqualTo(Double.toString(value));
        }
        for (long hundredths = 0; hundredths < 200_000; hundredths += 7) {
            StringBuilder out = new StringBuilder();
            SampleJson.decimal(out, hundredths / 100.0);
            assertThat(out.toString()).isEqualTo(Double.toString(hundredths / 100.0));
        }
    }

    @SuppressWarnings("unchecked")
    private static <V> Map<String, V> linked(Object... pairs) {
        Map<String, V> out = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            out.put((String) pairs[i], (V) pairs[i + 1]);
        }
        return out;
    }
}
