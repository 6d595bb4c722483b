package dev.weft.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import org.jspecify.annotations.Nullable;

/**
 * Prints the runner's summary from a results directory: JMH's JSON ({@code select-by-id.json},
 * {@code bulk-insert.json}, {@code cache.json}, {@code http.json}), the psql timings ({@code psql-copy.txt},
 * seconds, one run a line), the stream pass ({@code stream.properties}) and the cross-instance cache figures
 * ({@code cross-instance.txt}); then one table of every weft/baseline ratio measured in that run against its
 * target. Missing pieces are reported as missing, not guessed. Usage: {@code Summary <results-dir>}.
 */
public final class Summary {
    private static final double SELECT_TARGET = 0.95;
    private static final double COPY_TARGET = 0.8;
    private static final double CACHE_TARGET = 0.9;
    private static final double HTTP_TARGET = 0.9;
    private static final double FAIL_FAST_P99_TARGET_US = 100;
    private static final double BATCH_IDEAL_MS = 400;
    private static final double BATCH_TARGET = 1.2;

    /** One line of the closing ratio table. */
    private record Ratio(String benchmark, String weft, String baseline, double ratio, String target, boolean met) {
    }

    private static final List<Ratio> RATIOS = new ArrayList<>();

    private Summary() {
    }

    /** One JMH benchmark's figures. */
    private record Result(String method, String mode, int threads, double score, double error, String unit,
            List<Double> iterations, Map<String, String> params, Map<String, Double> percentiles) {
        double median() {
            List<Double> sorted = new ArrayList<>(iterations);
            sorted.sort(null);
            int n = sorted.size();
            return n == 0 ? score : n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
        }
    }

    /**
     * @param args the results directory
     * @throws IOException if a file cannot be read
     */
    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args.length > 0 ? args[0] : "weft-bench/target/results");
        Locale.setDefault(Locale.ROOT);
        System.out.println("weft benchmark summary (" + dir + ")");

        Map<String, Result> select = read(dir.resolve("select-by-id.json"));
        System.out.println();
        System.out.println("1. select one row by primary key (10,000-row table, random ids; throughput, higher is better)");
        Result weft = select.get("weft");
        Result jdbc = select.get("jdbc");
        printThroughput("weft db.query(..., Row.class)", weft, 1);
        printThroughput("raw JDBC PreparedStatement", jdbc, 1);
        if (weft != null && jdbc != null) {
            double ratio = weft.score() / jdbc.score();
            System.out.printf("   %-38s %12.3f   (target >= %.2f: %s)%n", "ratio weft / raw", ratio, SELECT_TARGET,
                    ratio >= SELECT_TARGET ? "met" : "NOT met");
            RATIOS.add(new Ratio("select by id (weft-db vs raw JDBC)", ops(weft), ops(jdbc), ratio,
                    ">= " + SELECT_TARGET, ratio >= SELECT_TARGET));
        }

        Result sideWeft = select.get("sideBySideWeft");
        Result sideJdbc = select.get("sideBySideJdbc");
        if (sideWeft != null && sideJdbc != null) {
            System.out.println("   control: both at once, half the threads each, same machine noise");
            printThroughput("  weft (side by side)", sideWeft, 2);
            printThroughput("  raw JDBC (side by side)", sideJdbc, 2);
            System.out.printf("   %-38s %12.3f%n", "  ratio weft / raw (side by side)",
                    sideWeft.score() / sideJdbc.score());
        }

        Map<String, Result> bulk = read(dir.resolve("bulk-insert.json"));
        Result copy = bulk.get("copy");
        Result batch = bulk.get("batch");
        long rows = copy != null ? Long.parseLong(copy.params().getOrDefault("rows", "0"))
                : batch != null ? Long.parseLong(batch.params().getOrDefault("rows", "0")) : 0;
        List<Double> psql = readLines(dir.resolve("psql-copy.txt"));
        System.out.println();
        System.out.printf("2. bulk insert of %,d rows into an empty UNLOGGED table (seconds per insert, median; lower is "
                + "better)%n", rows);
        printSingleShot("weft COPY path  (.copy(true))", copy, rows);
        printSingleShot("weft batch path (.copy(false), 1000)", batch, rows);
        Double psqlMedian = psql.isEmpty() ? null : median(psql);
        if (psqlMedian != null) {
            System.out.printf("   %-38s %10.3f s   %,12.0f rows/s   runs: %s%n", "psql \\copy from CSV", psqlMedian,
                    rows / psqlMedian, join(psql));
        } else {
            System.out.printf("   %-38s missing%n", "psql \\copy from CSV");
        }
        if (copy != null && psqlMedian != null) {
            double ratio = psqlMedian / copy.median();
            System.out.printf("   %-38s %10.3f     (target >= %.2f: %s)%n", "speed weft COPY / psql", ratio,
                    COPY_TARGET, ratio >= COPY_TARGET ? "met" : "NOT met");
            RATIOS.add(new Ratio("bulk insert " + String.format("%,d", rows) + " rows (weft COPY vs psql \\copy)",
                    String.format("%.3f s", copy.median()), String.format("%.3f s", psqlMedian), ratio,
                    ">= " + COPY_TARGET, ratio >= COPY_TARGET));
        }
        if (copy != null && batch != null) {
            System.out.printf("   %-38s %10.3f%n", "speed weft batch / weft COPY", copy.median() / batch.median());
        }

        Path streamFile = dir.resolve("stream.properties");
        System.out.println();
        System.out.println("3. stream a 1,000,000-row result (fetch size 1000)");
        if (Files.exists(streamFile)) {
            Properties stream = new Properties();
            try (var in = Files.newBufferedReader(streamFile, StandardCharsets.UTF_8)) {
                stream.load(in);
            }
            System.out.printf("   %-38s %s rows in %s s (%s rows/s), -Xmx%sm, %s GCs%n", "weft stream(Row.class)",
                    stream.getProperty("rows"), stream.getProperty("seconds"), stream.getProperty("rows_per_second"),
                    stream.getProperty("max_heap_mib"), stream.getProperty("gc_count"));
            System.out.printf("   %-38s %s%n", "heap used every 100k rows (MB)", stream.getProperty("heap_samples_mb"));
            RATIOS.add(new Ratio("stream " + stream.getProperty("rows") + " rows under -Xmx"
                    + stream.getProperty("max_heap_mib") + "m", stream.getProperty("rows_per_second") + " rows/s", "-",
                    Double.NaN, "completes within the heap cap", true));
        } else {
            System.out.printf("   %-38s missing%n", "weft stream(Row.class)");
        }

        caches(dir);
        http(dir);
        ratioTable();
    }

    private static void caches(Path dir) throws IOException {
        Map<String, Result> cache = read(dir.resolve("cache.json"));
        System.out.println();
        System.out.println("4. cache hits (throughput, higher is better)");
        Result localWeft = cache.get("LocalCacheHitBenchmark.weft");
        Result caffeine = cache.get("LocalCacheHitBenchmark.caffeine");
        printThroughput("weft LocalCache hit", localWeft, 1);
        printThroughput("raw Caffeine hit", caffeine, 1);
        ratio("local hit (weft LocalCache vs raw Caffeine)", localWeft, caffeine, CACHE_TARGET);
        Result redisWeft = cache.get("RedisGetBenchmark.weft");
        Result lettuce = cache.get("RedisGetBenchmark.lettuce");
        Result lettuceDecoded = cache.get("RedisGetBenchmark.lettuceDecoded");
        printThroughput("weft Redis cache hit (decoded record)", redisWeft, 1);
        printThroughput("raw Lettuce GET (bytes)", lettuce, 1);
        printThroughput("raw Lettuce GET + Jackson decode", lettuceDecoded, 1);
        ratio("Redis hit (weft vs raw Lettuce GET bytes)", redisWeft, lettuce, CACHE_TARGET);
        ratio("Redis hit (weft vs Lettuce GET + Jackson)", redisWeft, lettuceDecoded, CACHE_TARGET);
        Path cross = dir.resolve("cross-instance.txt");
        if (Files.exists(cross)) {
            System.out.println("   cross-instance (CrossInstanceCacheBench):");
            for (String line : Files.readAllLines(cross, StandardCharsets.UTF_8)) {
                if (line.startsWith("invalidation latency") || line.startsWith("single flight")) {
                    System.out.println("     " + line);
                }
            }
        }
    }

    private static void http(Path dir) throws IOException {
        Map<String, Result> http = read(dir.resolve("http.json"));
        System.out.println();
        System.out.println("5. weft-http against raw Apache HttpClient 5 (local server)");
        Result weft = http.get("HttpGetBenchmark.weft");
        Result raw = http.get("HttpGetBenchmark.raw");
        printThroughput("weft ApiClient GET + JSON", weft, 1);
        printThroughput("raw HttpClient 5 GET + Jackson", raw, 1);
        ratio("GET + JSON (weft-http vs raw HttpClient 5)", weft, raw, HTTP_TARGET);
        Result failFast = http.get("HttpFailFastBenchmark.openBreakerCall");
        if (failFast != null) {
            double p99 = failFast.percentiles().getOrDefault("99.0", Double.NaN);
            System.out.printf("   %-38s p50 %.2f, p99 %.2f, p99.9 %.2f %s   (target p99 < %.0f us: %s)%n",
                    "call with the breaker open", failFast.percentiles().getOrDefault("50.0", Double.NaN), p99,
                    failFast.percentiles().getOrDefault("99.9", Double.NaN), failFast.unit(), FAIL_FAST_P99_TARGET_US,
                    p99 < FAIL_FAST_P99_TARGET_US ? "met" : "NOT met");
            RATIOS.add(new Ratio("fail fast, breaker open (p99)", String.format("%.2f us", p99), "-",
                    Double.NaN, "< " + (int) FAIL_FAST_P99_TARGET_US + " us", p99 < FAIL_FAST_P99_TARGET_US));
        } else {
            System.out.printf("   %-38s missing%n", "call with the breaker open");
        }
        Result batch = http.get("HttpBatchBenchmark.batchOfAThousand");
        if (batch != null) {
            double ratio = batch.median() / BATCH_IDEAL_MS;
            System.out.printf("   %-38s %10.1f ms   (ideal %.0f ms; %.2fx, target <= %.1fx: %s)   iterations: %s%n",
                    "batch of 1,000, 50 in flight, 20 ms each", batch.median(), BATCH_IDEAL_MS, ratio, BATCH_TARGET,
                    ratio <= BATCH_TARGET ? "met" : "NOT met", join(batch.iterations()));
            RATIOS.add(new Ratio("batch of 1,000 (time / ideal 0.4 s)", String.format("%.1f ms", batch.median()),
                    String.format("%.0f ms", BATCH_IDEAL_MS), ratio, "<= " + BATCH_TARGET, ratio <= BATCH_TARGET));
        } else {
            System.out.printf("   %-38s missing%n", "batch of 1,000");
        }
    }

    /** Prints a throughput ratio and keeps it for the closing table. */
    private static void ratio(String label, @Nullable Result weft, @Nullable Result baseline, double target) {
        if (weft == null || baseline == null) {
            System.out.printf("   %-38s missing%n", "ratio: " + label);
            return;
        }
        double ratio = weft.score() / baseline.score();
        System.out.printf("   %-38s %12.3f   (target >= %.2f: %s)   %s%n", "ratio weft / raw", ratio, target,
                ratio >= target ? "met" : "NOT met", label);
        RATIOS.add(new Ratio(label, ops(weft), ops(baseline), ratio, ">= " + target, ratio >= target));
    }

    private static String ops(Result result) {
        return String.format(result.score() >= 100 ? "%,.0f %s" : "%.3f %s", result.score(), result.unit());
    }

    private static void ratioTable() {
        System.out.println();
        System.out.println("Every weft / baseline ratio of this run (Markdown):");
        System.out.println();
        System.out.println("| benchmark | weft | baseline | ratio | target | result |");
        System.out.println("|---|---:|---:|---:|---|---|");
        for (Ratio ratio : RATIOS) {
            System.out.printf("| %s | %s | %s | %s | %s | %s |%n", ratio.benchmark(), ratio.weft(), ratio.baseline(),
                    Double.isNaN(ratio.ratio()) ? "-" : String.format("%.2f", ratio.ratio()), ratio.target(),
                    ratio.met() ? "met" : "**missed**");
        }
    }

    /** @param sharedBy how many methods share the reported thread count (2 in a two-method group) */
    private static void printThroughput(String label, @Nullable Result result, int sharedBy) {
        if (result == null) {
            System.out.printf("   %-38s missing%n", label);
            return;
        }
        String pattern = result.score() >= 100 ? "   %-38s %12.0f ± %.0f %s   (%d threads; iterations: %s)%n"
                : "   %-38s %12.3f ± %.3f %s   (%d threads; iterations: %s)%n";
        System.out.printf(pattern, label, result.score(), result.error(), result.unit(), result.threads() / sharedBy,
                join(result.iterations()));
    }

    private static void printSingleShot(String label, @Nullable Result result, long rows) {
        if (result == null) {
            System.out.printf("   %-38s missing%n", label);
            return;
        }
        double median = result.median();
        System.out.printf("   %-38s %10.3f s   %,12.0f rows/s   iterations: %s%n", label, median, rows / median,
                join(result.iterations()));
    }

    private static Map<String, Result> read(Path file) throws IOException {
        Map<String, Result> results = new LinkedHashMap<>();
        if (!Files.exists(file)) {
            return results;
        }
        JsonNode root = new ObjectMapper().readTree(file.toFile());
        for (JsonNode node : root) {
            String benchmark = node.path("benchmark").asText();
            String method = benchmark.substring(benchmark.lastIndexOf('.') + 1);
            String classAndMethod = benchmark.substring(benchmark.lastIndexOf('.', benchmark.lastIndexOf('.') - 1) + 1);
            Map<String, String> params = new LinkedHashMap<>();
            node.path("params").properties().forEach(entry -> params.put(entry.getKey(), entry.getValue().asText()));
            String mode = node.path("mode").asText();
            int threads = node.path("threads").asInt();
            Result primary = result(method, mode, threads, node.path("primaryMetric"), params);
            results.put(method, primary);
            results.put(classAndMethod, primary);
            // a @Group benchmark reports each of its methods as a secondary metric
            for (var entry : node.path("secondaryMetrics").properties()) {
                JsonNode metric = entry.getValue();
                if (!metric.path("rawData").isMissingNode() && metric.path("scoreUnit").asText().equals(
                        node.path("primaryMetric").path("scoreUnit").asText())) {
                    results.put(entry.getKey(), result(entry.getKey(), mode, threads, metric, params));
                }
            }
        }
        return results;
    }

    private static Result result(String method, String mode, int threads, JsonNode metric, Map<String, String> params) {
        List<Double> iterations = new ArrayList<>();
        for (JsonNode fork : metric.path("rawData")) {
            for (JsonNode value : fork) {
                iterations.add(value.asDouble());
            }
        }
        double error = metric.path("scoreError").asDouble(Double.NaN);
        Map<String, Double> percentiles = new LinkedHashMap<>();
        metric.path("scorePercentiles").properties()
                .forEach(entry -> percentiles.put(entry.getKey(), entry.getValue().asDouble()));
        return new Result(method, mode, threads, metric.path("score").asDouble(), Double.isNaN(error) ? 0 : error,
                metric.path("scoreUnit").asText(), iterations, params, percentiles);
    }

    private static List<Double> readLines(Path file) throws IOException {
        List<Double> values = new ArrayList<>();
        if (Files.exists(file)) {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                if (!line.isBlank()) {
                    values.add(Double.parseDouble(line.strip()));
                }
            }
        }
        return values;
    }

    private static double median(List<Double> values) {
        return new Result("", "", 0, 0, 0, "", values, Map.of(), Map.of()).median();
    }

    private static String join(List<Double> values) {
        StringBuilder out = new StringBuilder();
        for (double value : values) {
            out.append(out.isEmpty() ? "" : " ").append(value >= 100 ? String.format("%.0f", value)
                    : String.format("%.3f", value));
        }
        return out.toString();
    }
}
