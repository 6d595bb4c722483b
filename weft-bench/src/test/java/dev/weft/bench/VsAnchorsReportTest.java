package dev.weft.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The summary judges issue 19's targets from a run's rows: ratios within a repetition, their median, met or missed. */
class VsAnchorsReportTest {
    @TempDir
    static Path dir;
    static String summary = "";

    @BeforeAll
    static void writeRunAndReport() throws IOException {
        Locale.setDefault(Locale.ROOT);
        List<String> rows = new ArrayList<>();
        rows.add("rep\ttarget\tendpoint\trps\tp50_ms\tp99_ms\terrors\trss_mb\tsource");
        double[] weftUsers = {13000, 12000, 14000};
        double[] weftP99 = {8, 9.5, 8.5};
        double[] weftLive = {80000, 70000, 90000};
        double[] weftUserKey = {10000, 10500, 11500};
        for (int rep = 1; rep <= 3; rep++) {
            int i = rep - 1;
            rows.add(row(rep, "vertx", "/users/{id}", 10000, 10, 200, "run.sh"));
            rows.add(row(rep, "vertx", "/plaintext", 100000, 2, 200, "run.sh"));
            rows.add(row(rep, "helidon", "/users/{id}", 9000, 50, 220, "run.sh"));
            rows.add(row(rep, "helidon", "/plaintext", 80000, 3, 220, "run.sh"));
            rows.add(row(rep, "weft", "/users/{id}", weftUsers[i], weftP99[i], 150, "run.sh"));
            rows.add(row(rep, "weft", "/plaintext", weftLive[i], 2, 150, "run.sh"));
            rows.add(row(rep, "weft", "/users/{id} (user key)", weftUserKey[i], 12, 155, "weft.lua"));
            rows.add(row(rep, "weft", "/user-profile/{id} (cache hit)", 60000, 3, 160, "weft.lua"));
            rows.add(row(rep, "weft", "/health/live (next to the profile run)", 70000, 3, 160, "weft.lua"));
            rows.add(row(rep, "weft-batching-off", "/users/{id}", 6500, 30, 140, "weft.lua"));
            rows.add(row(rep, "weft-batching-off", "/users/{id} (user key)", 5000, 40, 145, "weft.lua"));
        }
        Files.write(dir.resolve("rows.tsv"), rows, StandardCharsets.UTF_8);
        List<String> figures = new ArrayList<>();
        for (int rep = 1; rep <= 3; rep++) {
            figures.add("startup.weft." + rep + "=500");
            figures.add("startup.vertx." + rep + "=1000");
            figures.add("startup.helidon." + rep + "=900");
        }
        figures.add("startup.sqlite.samples_ms=800 900 1100");
        Files.write(dir.resolve("figures.properties"), figures, StandardCharsets.UTF_8);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
            VsAnchorsReport.report(dir, out);
        }
        summary = bytes.toString(StandardCharsets.UTF_8);
    }

    private static String row(int rep, String target, String endpoint, double rps, double p99, double rss,
            String source) {
        return String.join("\t", String.valueOf(rep), target, endpoint, String.valueOf(rps), "1.00",
                String.valueOf(p99), "0", String.valueOf(rss), source);
    }

    private static String line(String fragment) {
        return summary.lines().filter(l -> l.contains(fragment)).findFirst()
                .orElseThrow(() -> new AssertionError("no line with " + fragment + " in\n" + summary));
    }

    @Test
    void adminKeyThroughputIsTheMedianOfPerRepetitionRatiosToVertx() {
        assertThat(line("(admin key) ≥ 1.25× Vert.x req/s")).endsWith("| 1.30× | 1.30× / 1.20× / 1.40× | met |");
        assertThat(line("(admin key) p99 ≤ 0.9× Vert.x's")).endsWith("| 0.85× | 0.80× / 0.95× / 0.85× | met |");
    }

    @Test
    void userKeyBelowTheTargetIsMissed() {
        assertThat(line("with a user key ≥ 1.1× Vert.x")).endsWith("| 1.05× | 1.00× / 1.05× / 1.15× | **missed** |");
    }

    @Test
    void edgeCacheMemoryAndStartupTargets() {
        assertThat(line("`/health/live` ≥ 1.0× the bare Helidon")).endsWith("| 1.00× | 1.00× / 0.88× / 1.13× | met |");
        assertThat(line("cached profile ≥ 0.9×")).endsWith("| 0.86× | 0.86× / 0.86× / 0.86× | **missed** |");
        assertThat(line("RSS under load ≤ 0.8×")).endsWith("| 0.75× | 0.75× / 0.75× / 0.75× | met |");
        assertThat(line("≤ 0.6× the fastest JVM anchor")).contains("helidon").endsWith("| 0.56× | 0.56× / 0.56× / 0.56× | met |");
        assertThat(line("SQLite startup to ready < 1 s")).endsWith("| 900 | 800 / 900 / 1100 | met |");
    }

    @Test
    void issueSevenTargetsAreGone() {
        assertThat(summary).doesNotContain("FastAPI").doesNotContain("≥ 1.1× Vert.x req/s |")
                .doesNotContain("idle RSS < 150 MB");
    }

    @Test
    void batchingOffRowsAndWhatBatchingBuys() {
        assertThat(line("| weft-batching-off | admin |")).contains("6,500").contains("0.65×");
        assertThat(line("| weft | user |")).contains("10,500 (10,000 / 10,500 / 11,500)");
        assertThat(line("What batching buys")).contains("admin key 2.00× (2.00× / 1.85× / 2.15×)")
                .contains("user key 2.10× (2.00× / 2.10× / 2.30×)");
        // the variant is not one of run.sh's systems
        assertThat(summary).doesNotContain("| weft-batching-off | 6,500");
    }

    @Test
    void plotDataHasTheUserKeyColumnAndTheVariant() throws IOException {
        List<String> plot = Files.readAllLines(dir.resolve("plot.dat"), StandardCharsets.UTF_8);
        assertThat(plot).contains("\"weft\" 13000 80000 8.50 2.00 10500 12.00",
                "\"weft-batching-off\" 6500 0 30.00 0.00 5000 40.00", "\"vertx\" 10000 100000 10.00 2.00 0 0.00");
    }
}
