package dev.weft.bench;

import dev.weft.db.Database;
import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * Streams a 1,000,000-row table through {@code db.query(...).fetchSize(1000).stream(BenchRow.class)}, summing
 * {@code amount}, and prints the heap in use every 100,000 rows (MemoryMXBean, no forced GC). Run it with
 * {@code -Xmx64m}: the rows alone would take well over 64 MB if anything held them, so finishing with a flat heap
 * shows the stream reads one fetch at a time.
 *
 * <p>Not a JMH benchmark: it is one long pass whose point is the memory profile. Creates the table
 * ({@value #TABLE}) through weft's COPY path when it does not hold exactly the expected rows.
 *
 * <p>Usage: {@code StreamLargeResult [rows] [results-file]}; the results file gets {@code key=value} lines for
 * the runner's summary.
 */
public final class StreamLargeResult {
    static final String TABLE = "bench_stream";
    static final int FETCH_SIZE = 1000;
    static final long SAMPLE_EVERY = 100_000;

    private StreamLargeResult() {
    }

    /**
     * @param args optional row count (default 1,000,000) and results file
     * @throws SQLException if the fixture cannot be checked
     * @throws IOException if the results file cannot be written
     */
    public static void main(String[] args) throws SQLException, IOException {
        long expected = args.length > 0 ? Long.parseLong(args[0]) : 1_000_000;
        @Nullable Path resultsFile = args.length > 1 ? Path.of(args[1]) : null;
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        Map<String, String> results = new LinkedHashMap<>();

        try (Database db = Database.create(BenchConfig.weft("bench-stream", 1, Duration.ofMinutes(5)))) {
            ensureTable(db, expected);

            long serverSum;
            try (Connection connection = BenchConfig.connect()) {
                serverSum = BenchRows.queryLong(connection, "SELECT sum(amount) FROM " + TABLE);
            }
            long gcBefore = gcCount();
            long maxHeap = Runtime.getRuntime().maxMemory();
            System.out.printf("streaming %,d rows, fetch size %d, max heap %d MiB%n", expected, FETCH_SIZE,
                    mib(maxHeap));
            System.out.printf("%12s %10s %12s%n", "rows", "elapsed_ms", "heap_used_mb");
            System.out.printf("%12d %10d %12.1f%n", 0, 0, mb(memory.getHeapMemoryUsage().getUsed()));

            long rows = 0;
            long sum = 0;
            long peakSample = 0;
            StringBuilder samples = new StringBuilder();
            long start = System.nanoTime();
            try (Stream<BenchRow> stream = db.query("SELECT id, name, amount, created_at FROM " + TABLE, Map.of())
                    .fetchSize(FETCH_SIZE).stream(BenchRow.class)) {
                Iterator<BenchRow> iterator = stream.iterator();
                while (iterator.hasNext()) {
                    sum += iterator.next().amount();
                    if (++rows % SAMPLE_EVERY == 0) {
                        long used = memory.getHeapMemoryUsage().getUsed();
                        long elapsedMs = (System.nanoTime() - start) / 1_000_000;
                        peakSample = Math.max(peakSample, used);
                        System.out.printf("%12d %10d %12.1f%n", rows, elapsedMs, mb(used));
                        samples.append(samples.isEmpty() ? "" : " ").append(String.format("%.1f", mb(used)));
                    }
                }
            }
            long elapsedNanos = System.nanoTime() - start;
            long gcs = gcCount() - gcBefore;
            double seconds = elapsedNanos / 1e9;
            System.out.printf("rows=%d sum(amount)=%d (server says %d) elapsed=%.3f s (%.0f rows/s) "
                    + "max heap sample=%.1f MB of %d MiB, %d GCs%n", rows, sum, serverSum, seconds,
                    rows / seconds, mb(peakSample), mib(maxHeap), gcs);
            if (rows != expected || sum != serverSum) {
                System.err.println("MISMATCH: expected " + expected + " rows summing to " + serverSum);
                System.exit(1);
            }
            results.put("rows", Long.toString(rows));
            results.put("seconds", String.format("%.3f", seconds));
            results.put("rows_per_second", String.format("%.0f", rows / seconds));
            results.put("max_heap_mib", Long.toString(mib(maxHeap)));
            results.put("heap_samples_mb", samples.toString());
            results.put("peak_heap_sample_mb", String.format("%.1f", mb(peakSample)));
            results.put("gc_count", Long.toString(gcs));
        }
        if (resultsFile != null) {
            Files.createDirectories(resultsFile.toAbsolutePath().getParent());
            Files.writeString(resultsFile, results.entrySet().stream()
                    .map(entry -> entry.getKey() + "=" + entry.getValue())
                    .collect(Collectors.joining("\n", "", "\n")), StandardCharsets.UTF_8);
        }
    }

    private static void ensureTable(Database db, long expected) throws SQLException {
        long count;
        try (Connection connection = BenchConfig.connect()) {
            BenchRows.createTable(connection, TABLE, false);
            count = BenchRows.queryLong(connection, "SELECT count(*) FROM " + TABLE);
        }
        if (count == expected) {
            return;
        }
        System.out.printf("creating %s with %,d rows through weft's COPY path%n", TABLE, expected);
        db.execute("TRUNCATE " + TABLE);
        long start = System.nanoTime();
        long inserted = db.bulkInsert(TABLE, BenchRows.COLUMNS, BenchRows.lazy(expected)).copy(true).execute();
        System.out.printf("copied %,d rows in %.2f s%n", inserted, (System.nanoTime() - start) / 1e9);
        try (Connection connection = BenchConfig.connect(); Statement statement = connection.createStatement()) {
            statement.execute("VACUUM ANALYZE " + TABLE);
        }
    }

    private static long gcCount() {
        long total = 0;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            total += Math.max(0, gc.getCollectionCount());
        }
        return total;
    }

    private static double mb(long bytes) {
        return bytes / 1_000_000.0;
    }

    private static long mib(long bytes) {
        return bytes / (1024 * 1024);
    }
}
