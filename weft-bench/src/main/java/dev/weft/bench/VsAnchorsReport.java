package dev.weft.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.ToDoubleFunction;
import org.jspecify.annotations.Nullable;

/**
 * Writes the summary of a {@code weft-bench/run-vs-anchors.sh} run as Markdown on stdout, and the plot's data
 * ({@code plot.dat}) into the run's directory. Reads {@code rows.tsv} (one wrk measurement a line: repetition,
 * target, endpoint, req/s, p50, p99, errors, RSS), {@code figures.properties} (startup times, RSS samples, pgbench)
 * and {@code machine.txt}. Every ratio is taken within one repetition; with several repetitions the summary gives
 * the median and the spread ((max - min) / median). Usage: {@code VsAnchorsReport <run-dir>}.
 */
public final class VsAnchorsReport {
    static final String USERS = "/users/{id}";
    static final String CHEAP = "/plaintext";
    static final String PROFILE = "/user-profile/{id} (cache hit)";
    static final String LIVE_NEXT = "/health/live (next to the profile run)";
    static final String CREATE = "POST /users";
    static final double REPEAT_TOLERANCE = 0.10;
    static final String ACCESS_LOG = "weft-access-log";
    /** {@code GET /users/{id}} sent with the key of the user it reads (weft.lua MODE=user-key). */
    static final String USER_KEY = "/users/{id} (user key)";
    /** weft started with {@code DATABASE_KEY_BATCHING=false}, measured by weft.lua only. */
    static final String BATCH_OFF = "weft-batching-off";

    private VsAnchorsReport() {
    }

    /** One wrk measurement. */
    record Row(int rep, String target, String endpoint, double rps, double p50, double p99, String errors,
            double rss, String source) {
    }

    /**
     * @param args the run's directory
     * @throws IOException if a file cannot be read or written
     */
    public static void main(String[] args) throws IOException {
        Locale.setDefault(Locale.ROOT);
        report(Path.of(args.length > 0 ? args[0] : "."), System.out);
    }

    /** Writes the summary of the run in {@code dir} to {@code out}, and {@code dir/plot.dat}. */
    static void report(Path dir, PrintStream out) throws IOException {
        List<Row> rows = readRows(dir.resolve("rows.tsv"));
        Properties figures = new Properties();
        try (var in = Files.newBufferedReader(dir.resolve("figures.properties"), StandardCharsets.UTF_8)) {
            figures.load(in);
        }
        String machine = Files.exists(dir.resolve("machine.txt"))
                ? Files.readString(dir.resolve("machine.txt"), StandardCharsets.UTF_8) : "";
        List<String> hotPaths = new ArrayList<>();
        Map<String, String> recordings = new LinkedHashMap<>();
        recordings.put("hot-paths.txt", "GET /users/{id}");
        recordings.put("hot-paths-live.txt", "GET /health/live");
        recordings.put("hot-paths-startup.txt", "startup on SQLite, launch to ready");
        for (Map.Entry<String, String> recording : recordings.entrySet()) {
            String name = recording.getKey();
            Path profile = dir.resolve("profile").resolve(name);
            if (Files.exists(profile)) {
                hotPaths.add("== profile/" + name + " (" + recording.getValue() + ")");
                hotPaths.addAll(Files.readAllLines(profile, StandardCharsets.UTF_8));
            }
        }
        new VsAnchorsReport.Writer(rows, figures, machine, hotPaths, out).write();
        writePlotData(rows, dir.resolve("plot.dat"));
    }

    static List<Row> readRows(Path file) throws IOException {
        List<Row> rows = new ArrayList<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            String[] cells = line.split("\t", -1);
            if (cells.length < 8 || cells[0].equals("rep")) {
                continue;
            }
            rows.add(new Row(Integer.parseInt(cells[0]), cells[1], cells[2], number(cells[3]), number(cells[4]),
                    number(cells[5]), cells[6], number(cells[7]), cells.length > 8 ? cells[8] : ""));
        }
        return rows;
    }

    static double number(String text) {
        try {
            return Double.parseDouble(text.replace(",", "").strip());
        } catch (NumberFormatException e) {
            return Double.NaN;
        }
    }

    static double median(List<Double> values) {
        double[] sorted = values.stream().filter(v -> !v.isNaN()).mapToDouble(Double::doubleValue).sorted().toArray();
        int n = sorted.length;
        return n == 0 ? Double.NaN : n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    /** (max - min) / median of the values, NaN for fewer than two. */
    static double spread(List<Double> values) {
        List<Double> known = values.stream().filter(v -> !v.isNaN()).toList();
        if (known.size() < 2) {
            return Double.NaN;
        }
        double min = known.stream().mapToDouble(Double::doubleValue).min().orElseThrow();
        double max = known.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
        return (max - min) / median(known);
    }

    /** The plot's rows: one system a line, medians over the repetitions. */
    static void writePlotData(List<Row> rows, Path file) throws IOException {
        Set<Integer> reps = reps(rows);
        List<String> lines = new ArrayList<>();
        lines.add("# system users_rps cheapest_rps users_p99_ms cheapest_p99_ms userkey_rps userkey_p99_ms");
        List<String> systems = new ArrayList<>(targets(rows));
        if (rows.stream().anyMatch(row -> row.target().equals(BATCH_OFF))) {
            systems.add(BATCH_OFF);
        }
        for (String target : systems) {
            double usersRps = medianOf(rows, reps, target, USERS, Row::rps);
            double cheapRps = medianOf(rows, reps, target, CHEAP, Row::rps);
            double usersP99 = medianOf(rows, reps, target, USERS, Row::p99);
            double cheapP99 = medianOf(rows, reps, target, CHEAP, Row::p99);
            double userKeyRps = medianOf(rows, reps, target, USER_KEY, Row::rps);
            double userKeyP99 = medianOf(rows, reps, target, USER_KEY, Row::p99);
            lines.add(String.format("\"%s\" %.0f %.0f %.2f %.2f %.0f %.2f", target, zeroIfNaN(usersRps),
                    zeroIfNaN(cheapRps), zeroIfNaN(usersP99), zeroIfNaN(cheapP99), zeroIfNaN(userKeyRps),
                    zeroIfNaN(userKeyP99)));
        }
        Files.write(file, lines, StandardCharsets.UTF_8);
    }

    private static double zeroIfNaN(double value) {
        return Double.isNaN(value) ? 0 : value;
    }

    static Set<Integer> reps(List<Row> rows) {
        Set<Integer> reps = new TreeSet<>();
        rows.stream().filter(row -> row.rep() > 0).forEach(row -> reps.add(row.rep()));
        return reps;
    }

    /** The targets bench-anchors/run.sh measured, in its order (weft last). */
    static List<String> targets(List<Row> rows) {
        Set<String> targets = new LinkedHashSet<>();
        rows.stream().filter(row -> row.rep() > 0 && row.source().equals("run.sh")
                && (row.endpoint().equals(USERS) || row.endpoint().equals(CHEAP)))
                .forEach(row -> targets.add(row.target()));
        return new ArrayList<>(targets);
    }

    static @Nullable Row find(List<Row> rows, int rep, String target, String endpoint) {
        for (Row row : rows) {
            if (row.rep() == rep && row.target().equals(target) && row.endpoint().equals(endpoint)) {
                return row;
            }
        }
        return null;
    }

    static List<Double> perRep(List<Row> rows, Set<Integer> reps, String target, String endpoint,
            ToDoubleFunction<Row> value) {
        List<Double> values = new ArrayList<>();
        for (int rep : reps) {
            Row row = find(rows, rep, target, endpoint);
            values.add(row == null ? Double.NaN : value.applyAsDouble(row));
        }
        return values;
    }

    static double medianOf(List<Row> rows, Set<Integer> reps, String target, String endpoint,
            ToDoubleFunction<Row> value) {
        return median(perRep(rows, reps, target, endpoint, value));
    }

    /** Renders the Markdown. */
    private static final class Writer {
        private final List<Row> rows;
        private final Properties figures;
        private final String machine;
        private final List<String> hotPaths;
        private final PrintStream out;
        private final Set<Integer> reps;

        Writer(List<Row> rows, Properties figures, String machine, List<String> hotPaths, PrintStream out) {
            this.rows = rows;
            this.figures = figures;
            this.machine = machine;
            this.hotPaths = hotPaths;
            this.out = out;
            this.reps = reps(rows);
        }

        void write() {
            out.println("# weft vs anchors");
            out.println();
            machine.lines().filter(line -> !line.isBlank()).forEach(line -> out.println("- " + line));
            out.println();
            out.printf("Repetitions: %d. Each ratio is taken within one repetition; with several, the median is shown "
                    + "with the per-repetition values and the spread ((max - min) / median).%n%n", reps.size());
            systems();
            usersRoute();
            weftExtras();
            targetsTable();
            repeatability();
            memoryAndStartup();
            profile();
        }

        private void profile() {
            if (hotPaths.isEmpty()) {
                return;
            }
            out.println();
            out.println("## Where weft's time goes (JFR; full lists in profile/hot-paths*.txt)");
            out.println();
            out.println("```");
            boolean skipping = false;
            int frameLines = -1; // counts the lines of the top-frame list, which is cut after 15 frames here
            for (String line : hotPaths) {
                if (line.startsWith("== ")) {
                    skipping = false;
                    frameLines = -1;
                } else if (line.startsWith("Samples by thread") || line.startsWith("Self time by package")) {
                    skipping = true;
                } else if (line.startsWith("Self time by top frame")) {
                    skipping = false;
                    frameLines = 0;
                } else if (frameLines >= 0 && ++frameLines > 30) {
                    skipping = true;
                }
                if (!skipping) {
                    out.println(line);
                }
            }
            out.println("```");
        }

        private void systems() {
            out.println("## Every system, same run, same conditions (bench-anchors/run.sh)");
            out.println();
            out.println("weft's cheapest route is `/health/live` (run.sh calls it /plaintext). weft is measured with "
                    + "the admin key on `GET /users/{id}` (the real auth path).");
            out.println();
            out.println("| system | /users/{id} req/s | p50 ms | p99 ms | cheapest route req/s | p99 ms | errors | "
                    + "startup ms | RSS MB |");
            out.println("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
            for (String target : targets(rows)) {
                List<Double> startups = new ArrayList<>();
                for (int rep : reps) {
                    startups.add(number(figures.getProperty("startup." + target + "." + rep, "")));
                }
                String startup = target.equals("weft")
                        ? figures.getProperty("startup.pg.median_ms", "?") + " (PG, median of "
                                + figures.getProperty("startup.pg.samples_ms", "").split(" ").length + ")"
                        : format(median(startups), "%.0f");
                out.printf("| %s | %s | %s | %s | %s | %s | %s | %s | %s |%n", target,
                        cell(target, USERS, Row::rps, "%,.0f"), cell(target, USERS, Row::p50, "%.2f"),
                        cell(target, USERS, Row::p99, "%.2f"), cell(target, CHEAP, Row::rps, "%,.0f"),
                        cell(target, CHEAP, Row::p99, "%.2f"), errors(target), startup,
                        cell(target, CHEAP, Row::rss, "%.0f"));
            }
            String tps = reps.stream().map(rep -> figures.getProperty("pgbench_tps." + rep, "n/a")).toList().toString();
            out.printf("%npgbench select by id (the database limit), per repetition: %s tps%n%n", tps);
        }

        /** GET /users/{id} four ways (admin and user key, batching on and off), each next to Vert.x. */
        private void usersRoute() {
            out.println("## GET /users/{id}: admin key, user key, batching on and off (issue 19)");
            out.println();
            out.println("The admin-key row of weft is run.sh's; the others come from weft-bench/wrk/weft.lua right "
                    + "after it (same wrk settings, warm-up and pinning; random ids 1..100000). With a user key "
                    + "each request carries the key of the user it reads (`wk_bench<id>`), so the key lookup is on "
                    + "the path. `weft-batching-off` is weft started with `DATABASE_KEY_BATCHING=false`, measured "
                    + "alone after weft. Ratios are to Vert.x's `/users/{id}` in the same repetition.");
            out.println();
            out.println("| system | key | req/s | × Vert.x req/s | p50 ms | p99 ms | × Vert.x p99 | errors |");
            out.println("|---|---|---:|---:|---:|---:|---:|---:|");
            List<String[]> lines = List.of(new String[] {"vertx", USERS, "none"},
                    new String[] {"weft", USERS, "admin"}, new String[] {"weft", USER_KEY, "user"},
                    new String[] {BATCH_OFF, USERS, "admin"}, new String[] {BATCH_OFF, USER_KEY, "user"});
            for (String[] line : lines) {
                String target = line[0];
                String endpoint = line[1];
                if (perRep(rows, reps, target, endpoint, Row::rps).stream().allMatch(v -> v.isNaN())) {
                    continue;
                }
                List<Double> rps = ratio(target, endpoint, "vertx", USERS, Row::rps);
                List<Double> p99 = ratio(target, endpoint, "vertx", USERS, Row::p99);
                out.printf("| %s | %s | %s | %s | %s | %s | %s | %s |%n", target, line[2],
                        cell(target, endpoint, Row::rps, "%,.0f"), ratioCell(rps),
                        cell(target, endpoint, Row::p50, "%.2f"), cell(target, endpoint, Row::p99, "%.2f"),
                        ratioCell(p99), errors(target, endpoint));
            }
            out.println();
            if (rows.stream().anyMatch(row -> row.target().equals(BATCH_OFF))) {
                List<Double> admin = ratio("weft", USERS, BATCH_OFF, USERS, Row::rps);
                List<Double> user = ratio("weft", USER_KEY, BATCH_OFF, USER_KEY, Row::rps);
                out.printf("What batching buys (weft / weft-batching-off req/s, per repetition): admin key %s, "
                        + "user key %s.%n%n", ratioCell(admin), ratioCell(user));
            }
        }

        private String ratioCell(List<Double> values) {
            String median = format(median(values), "%.2f×");
            return values.size() > 1 ? median + " (" + list(values, "%.2f×") + ")" : median;
        }

        private void weftExtras() {
            out.println("## weft's own routes (weft-bench/wrk/weft.lua, right after run.sh, same pinning and wrk "
                    + "settings)");
            out.println();
            out.println("| route | req/s | p50 ms | p99 ms | errors | RSS MB |");
            out.println("|---|---:|---:|---:|---:|---:|");
            for (String endpoint : List.of(PROFILE, LIVE_NEXT, CREATE)) {
                out.printf("| %s | %s | %s | %s | %s | %s |%n", endpoint, cell("weft", endpoint, Row::rps, "%,.0f"),
                        cell("weft", endpoint, Row::p50, "%.2f"), cell("weft", endpoint, Row::p99, "%.2f"),
                        errors("weft", endpoint), cell("weft", endpoint, Row::rss, "%.0f"));
            }
            for (String endpoint : List.of(USERS, "/health/live")) {
                Row jfr = find(rows, 0, "weft (under JFR)", endpoint);
                if (jfr != null) {
                    out.printf("| %s under a JFR recording (profile run, 1 ms sampling) | %,.0f | %.2f | %.2f | %s | "
                            + "%.0f |%n", endpoint, jfr.rps(), jfr.p50(), jfr.p99(), jfr.errors(), jfr.rss());
                }
            }
            String hits = reps.stream().map(rep -> figures.getProperty("profile.sampled_hits." + rep, "?")).toList()
                    .toString();
            out.printf("%nProfile cache: ids 1..N filled first, then random ids among them; X-Cache: hit in %s sampled "
                    + "requests after the run.%n%n", hits);
        }

        private void targetsTable() {
            out.println("## Targets of issue 19 (ratios within one repetition; median, then each repetition)");
            out.println();
            out.println("| target | figure (median) | per repetition | result |");
            out.println("|---|---:|---|---|");
            List<Double> vsVertx = ratio("weft", USERS, "vertx", USERS, Row::rps);
            target(String.format("`GET /users/{id}` (admin key) ≥ 1.25× Vert.x req/s (weft %s, Vert.x %s)",
                    format(medianOf(rows, reps, "weft", USERS, Row::rps), "%,.0f"),
                    format(medianOf(rows, reps, "vertx", USERS, Row::rps), "%,.0f")), vsVertx, "%.2f×",
                    median(vsVertx) >= 1.25);
            List<Double> p99 = ratio("weft", USERS, "vertx", USERS, Row::p99);
            target(String.format("`GET /users/{id}` (admin key) p99 ≤ 0.9× Vert.x's (weft %s ms, Vert.x %s ms)",
                    format(medianOf(rows, reps, "weft", USERS, Row::p99), "%.2f"),
                    format(medianOf(rows, reps, "vertx", USERS, Row::p99), "%.2f")), p99, "%.2f×",
                    median(p99) <= 0.9);
            List<Double> userKey = ratio("weft", USER_KEY, "vertx", USERS, Row::rps);
            target(String.format("`GET /users/{id}` with a user key ≥ 1.1× Vert.x req/s (weft %s)",
                    format(medianOf(rows, reps, "weft", USER_KEY, Row::rps), "%,.0f")), userKey, "%.2f×",
                    median(userKey) >= 1.1);
            List<Double> live = ratio("weft", CHEAP, "helidon", CHEAP, Row::rps);
            target(String.format("`/health/live` ≥ 1.0× the bare Helidon anchor's `/plaintext` req/s (weft %s, "
                    + "Helidon %s)", format(medianOf(rows, reps, "weft", CHEAP, Row::rps), "%,.0f"),
                    format(medianOf(rows, reps, "helidon", CHEAP, Row::rps), "%,.0f")), live, "%.2f×",
                    median(live) >= 1.0);
            List<Double> profile = ratio("weft", PROFILE, "weft", LIVE_NEXT, Row::rps);
            target("cached profile ≥ 0.9× `/health/live` (req/s, measured next to each other)", profile, "%.2f×",
                    median(profile) >= 0.9);
            List<Double> rssLoad = ratio("weft", CHEAP, "vertx", CHEAP, Row::rss);
            target(String.format("RSS under load ≤ 0.8× Vert.x's (weft %s MB, Vert.x %s MB; after run.sh's load)",
                    format(median(perRep(rows, reps, "weft", CHEAP, Row::rss)), "%.0f"),
                    format(median(perRep(rows, reps, "vertx", CHEAP, Row::rss)), "%.0f")), rssLoad, "%.2f×",
                    median(rssLoad) <= 0.8);
            startupTarget();
            List<Double> sqlite = samples("startup.sqlite.samples_ms");
            target("SQLite startup to ready < 1 s (ms, with the dynamic class-data archive; pinned here, the issue's "
                    + "figure is unpinned on a quiet machine)", sqlite, "%.0f", median(sqlite) < 1000);
            List<Double> sqliteAot = samples("startup.sqlite.aot.samples_ms");
            if (!sqliteAot.isEmpty()) {
                target("SQLite startup to ready < 1 s (ms, from JDK 25's AOT cache; pinned)", sqliteAot, "%.0f",
                        median(sqliteAot) < 1000);
            }
            if (targets(rows).contains(ACCESS_LOG)) {
                List<Double> logged = ratio(ACCESS_LOG, USERS, "vertx", USERS, Row::rps);
                out.printf("| diagnostic: the same with the access log on (`%s`), req/s vs Vert.x | %s | %s | "
                        + "not a target |%n", ACCESS_LOG, format(median(logged), "%.2f×"), list(logged, "%.2f×"));
            }
            out.println();
        }

        /** Startup to the first 200 on /users/1 (pinned), weft's start in a repetition / the fastest JVM anchor's. */
        private void startupTarget() {
            List<Double> ratios = new ArrayList<>();
            List<Double> weft = new ArrayList<>();
            List<Double> best = new ArrayList<>();
            List<String> names = new ArrayList<>();
            for (int rep : reps) {
                double own = number(figures.getProperty("startup.weft." + rep, ""));
                double fastest = Double.NaN;
                String name = "?";
                for (String anchor : List.of("vertx", "helidon", "javalin")) {
                    double value = number(figures.getProperty("startup." + anchor + "." + rep, ""));
                    if (!Double.isNaN(value) && (Double.isNaN(fastest) || value < fastest)) {
                        fastest = value;
                        name = anchor;
                    }
                }
                weft.add(own);
                best.add(fastest);
                names.add(name);
                ratios.add(own / fastest);
            }
            target(String.format("startup to the first 200 on /users/1 (PostgreSQL, pinned, %s) ≤ 0.6× the fastest JVM "
                    + "anchor's (weft %s ms, anchors %s ms: %s; weft one start a repetition, an anchor the median of "
                    + "run.sh's starts)", figures.getProperty("startup.pg.cache", "?"), list(weft, "%.0f"),
                    list(best, "%.0f"), String.join(" / ", names)), ratios, "%.2f×", median(ratios) <= 0.6);
        }

        private void repeatability() {
            if (reps.size() < 2) {
                out.println("Repeatability: one repetition only (REPEAT=2 or more gives the spread).");
                out.println();
                return;
            }
            out.printf("## Repeatability (target: repetitions agree within %.0f %%)%n%n", REPEAT_TOLERANCE * 100);
            out.println("| figure | per repetition | spread | within 10 % |");
            out.println("|---|---|---:|---|");
            Map<String, List<Double>> checks = new LinkedHashMap<>();
            checks.put("weft /users/{id} req/s", perRep(rows, reps, "weft", USERS, Row::rps));
            checks.put("vertx /users/{id} req/s", perRep(rows, reps, "vertx", USERS, Row::rps));
            checks.put("ratio weft / vertx req/s", ratio("weft", USERS, "vertx", USERS, Row::rps));
            checks.put("weft /users/{id} p99 ms", perRep(rows, reps, "weft", USERS, Row::p99));
            checks.put("ratio weft / vertx p99", ratio("weft", USERS, "vertx", USERS, Row::p99));
            checks.put("vertx /users/{id} p99 ms", perRep(rows, reps, "vertx", USERS, Row::p99));
            checks.put("weft /health/live req/s", perRep(rows, reps, "weft", CHEAP, Row::rps));
            checks.put("weft /users/{id} user key req/s", perRep(rows, reps, "weft", USER_KEY, Row::rps));
            checks.put("ratio weft user key / vertx req/s", ratio("weft", USER_KEY, "vertx", USERS, Row::rps));
            checks.put("weft-batching-off /users/{id} req/s", perRep(rows, reps, BATCH_OFF, USERS, Row::rps));
            checks.put("weft-batching-off user key req/s", perRep(rows, reps, BATCH_OFF, USER_KEY, Row::rps));
            checks.put("weft profile hit req/s", perRep(rows, reps, "weft", PROFILE, Row::rps));
            checks.put("weft POST /users req/s", perRep(rows, reps, "weft", CREATE, Row::rps));
            for (String target : targets(rows)) {
                if (!target.equals("weft") && !target.equals("vertx")) {
                    checks.put(target + " /users/{id} req/s", perRep(rows, reps, target, USERS, Row::rps));
                }
            }
            for (Map.Entry<String, List<Double>> check : checks.entrySet()) {
                double spread = spread(check.getValue());
                String pattern = median(check.getValue()) >= 100 ? "%,.0f" : "%.2f";
                out.printf("| %s | %s | %s | %s |%n", check.getKey(), list(check.getValue(), pattern),
                        format(spread * 100, "%.1f %%"), Double.isNaN(spread) ? "?"
                                : spread <= REPEAT_TOLERANCE ? "yes" : "**no**");
            }
            out.println();
        }

        private void memoryAndStartup() {
            out.println("## Startup and memory, weft");
            out.println();
            out.println("| figure | value |");
            out.println("|---|---|");
            out.printf("| startup to ready, SQLite, fresh data dir, first start (no archive yet; creates it) | %s ms"
                    + " |%n", figures.getProperty("startup.sqlite.no_archive_ms", "?"));
            out.printf("| startup to ready, SQLite, fresh data dir, with the archive (%s MB) | median %s ms of %s |%n",
                    figures.getProperty("archive_mb", "?"), figures.getProperty("startup.sqlite.median_ms", "?"),
                    figures.getProperty("startup.sqlite.samples_ms", "?"));
            if (figures.containsKey("startup.sqlite.aot.median_ms")) {
                out.printf("| diagnostic: the same with JDK 25's AOT cache instead (%s MB; -XX:AOTCache) | median %s ms"
                        + " of %s; RSS once ready %s MB |%n", figures.getProperty("aot_mb", "?"),
                        figures.getProperty("startup.sqlite.aot.median_ms"),
                        figures.getProperty("startup.sqlite.aot.samples_ms", "?"),
                        list(numbers("rss.sqlite.aot_ready_mb."), "%.0f"));
            }
            if (figures.containsKey("startup.sqlite.under_jfr_ms")) {
                out.printf("| startup to ready, SQLite, under a JFR recording (profile/hot-paths-startup.txt) | %s ms"
                        + " |%n", figures.getProperty("startup.sqlite.under_jfr_ms"));
            }
            out.printf("| startup to the first 200 on GET /users/1, PostgreSQL (%s) | median %s ms of %s |%n",
                    figures.getProperty("startup.pg.cache", "?"),
                    figures.getProperty("startup.pg.median_ms", "?"),
                    figures.getProperty("startup.pg.samples_ms", "?"));
            out.printf("| RSS once ready, SQLite (idle) | %s MB |%n", list(numbers("rss.sqlite.ready_mb."), "%.0f"));
            out.printf("| RSS once ready, PostgreSQL (idle) | %s MB |%n", list(numbers("rss.pg.ready_mb."), "%.0f"));
            out.printf("| RSS after all the load (run.sh + profile + POST) | %s MB |%n",
                    list(numbers("rss.pg.after_load_mb."), "%.0f"));
            out.printf("| RSS after the load and %s | %s MB |%n", "an idle pause",
                    list(numbers("rss.pg.idle_after_load_mb."), "%.0f"));
            if (!numbers("rss.batchoff.after_load_mb.").isEmpty()) {
                out.printf("| weft-batching-off: startup to the first 200 / RSS after its load | %s ms / %s MB |%n",
                        list(numbers("startup.batchoff."), "%.0f"),
                        list(numbers("rss.batchoff.after_load_mb."), "%.0f"));
            }
            out.println();
            out.println("Settings: " + figures.getProperty("settings", "?"));
        }

        private void target(String label, List<Double> values, String pattern, boolean met) {
            double median = median(values);
            out.printf("| %s | %s | %s | %s |%n", label, format(median, pattern), list(values, pattern),
                    Double.isNaN(median) ? "not measured" : met ? "met" : "**missed**");
        }

        private List<Double> ratio(String target, String endpoint, String baseTarget, String baseEndpoint,
                ToDoubleFunction<Row> value) {
            List<Double> ratios = new ArrayList<>();
            for (int rep : reps) {
                Row row = find(rows, rep, target, endpoint);
                Row base = find(rows, rep, baseTarget, baseEndpoint);
                ratios.add(row == null || base == null ? Double.NaN
                        : value.applyAsDouble(row) / value.applyAsDouble(base));
            }
            return ratios;
        }

        private List<Double> numbers(String prefix) {
            List<Double> values = new ArrayList<>();
            figures.stringPropertyNames().stream().filter(name -> name.startsWith(prefix)).sorted()
                    .forEach(name -> values.add(number(figures.getProperty(name))));
            return values;
        }

        private List<Double> samples(String key) {
            String text = figures.getProperty(key, "").strip();
            return text.isEmpty() ? List.of() : Arrays.stream(text.split("\\s+")).map(VsAnchorsReport::number).toList();
        }

        private String cell(String target, String endpoint, ToDoubleFunction<Row> value, String pattern) {
            List<Double> values = perRep(rows, reps, target, endpoint, value);
            String median = format(median(values), pattern);
            return values.size() > 1 ? median + " (" + list(values, pattern) + ")" : median;
        }

        private String errors(String target) {
            return errors(target, USERS) + " / " + errors(target, CHEAP);
        }

        private String errors(String target, String endpoint) {
            List<String> errors = new ArrayList<>();
            for (int rep : reps) {
                Row row = find(rows, rep, target, endpoint);
                errors.add(row == null ? "?" : row.errors());
            }
            return String.join(", ", errors);
        }

        private static String list(List<Double> values, String pattern) {
            return String.join(" / ", values.stream().map(value -> format(value, pattern)).toList());
        }

        private static String format(double value, String pattern) {
            return Double.isNaN(value) ? "?" : String.format(Objects.requireNonNull(pattern), value);
        }
    }
}
