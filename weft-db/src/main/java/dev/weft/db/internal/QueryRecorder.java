package dev.weft.db.internal;

import dev.weft.db.QueryMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.AtomicHistogram;
import org.jspecify.annotations.Nullable;

/**
 * Records every operation of one database: a Micrometer timer {@code weft.db.query} tagged operation, outcome
 * and database (when a registry is given), and the bounded in-process view behind
 * {@link dev.weft.db.Database#queryMetrics()}.
 *
 * <p>Thread-safe and lock-free: the hot path stores one small object in a ring slot and bumps counters; the
 * public records (id strings, trimmed SQL, instants) are built only when a snapshot is asked for.
 */
public final class QueryRecorder {
    private static final String[] OUTCOMES = {"success", "timeout", "error"};
    private static final int RECENT = 10;
    private static final int SLOW = 100;
    private static final int SQL_LIMIT = 500;
    private static final AtomicLong IDS = new AtomicLong();

    /** What the hot path keeps of one operation. */
    private record Raw(long id, String type, String sql, long startedAtMillis, long nanos, long rows,
            @Nullable String errorCode) {
        QueryMetrics.Record toRecord() {
            return new QueryMetrics.Record(label(id), type, shorten(sql), Instant.ofEpochMilli(startedAtMillis),
                    Duration.ofNanos(nanos), rows, errorCode == null, Optional.ofNullable(errorCode));
        }
    }

    private final String database;
    private final @Nullable MeterRegistry registry;
    private final long slowThresholdNanos;
    private final Duration slowThreshold;
    // atomic counts, fixed range: a record is one atomic add, and a snapshot's percentiles read the counts without
    // ConcurrentHistogram's reader lock, which it takes once per bucket read (a thousand times per percentile)
    private final AtomicHistogram histogram = new AtomicHistogram(TimeUnit.MINUTES.toMicros(10), 2);
    private final LongAdder succeeded = new LongAdder();
    private final LongAdder failed = new LongAdder();
    private final LongAdder totalMicros = new LongAdder();
    private final Ring recent = new Ring(RECENT);
    private final Ring slow = new Ring(SLOW);
    /** Per operation, its timers by outcome (success, timeout, error): no key string built per query. */
    private final ConcurrentHashMap<String, AtomicReferenceArray<Timer>> timers = new ConcurrentHashMap<>();

    /**
     * @param database the database's name
     * @param registry where to publish timers, or {@code null}
     * @param slowThreshold operations at least this long are kept as slow
     */
    public QueryRecorder(String database, @Nullable MeterRegistry registry, Duration slowThreshold) {
        this.database = database;
        this.registry = registry;
        this.slowThreshold = slowThreshold;
        this.slowThresholdNanos = slowThreshold.toNanos();
    }

    /** @return a new process-unique operation id */
    public static long nextId() {
        return IDS.incrementAndGet();
    }

    /**
     * @param id an operation id
     * @return its printed form, {@code q-<id>}
     */
    public static String label(long id) {
        return "q-" + id;
    }

    /**
     * @param id the operation's id
     * @param type the operation type
     * @param sql its SQL text, without values
     * @param startNanos {@link System#nanoTime()} at its start
     * @param rows rows returned or affected
     * @param errorCode {@code null} on success, else the failure's code
     * @param timedOut whether it failed by timeout
     */
    public void record(long id, String type, String sql, long startNanos, long rows, @Nullable String errorCode,
            boolean timedOut) {
        long nanos = System.nanoTime() - startNanos;
        long micros = Math.max(1, Math.min(nanos / 1000, histogram.getHighestTrackableValue()));
        histogram.recordValue(micros);
        totalMicros.add(micros);
        boolean success = errorCode == null;
        (success ? succeeded : failed).increment();
        if (registry != null) {
            int outcome = success ? 0 : timedOut ? 1 : 2;
            timer(type, outcome).record(nanos, TimeUnit.NANOSECONDS);
        }
        Raw entry = new Raw(id, type, sql, System.currentTimeMillis() - nanos / 1_000_000, nanos, rows, errorCode);
        recent.add(entry);
        if (nanos >= slowThresholdNanos) {
            slow.add(entry);
        }
    }

    private Timer timer(String type, int outcome) {
        AtomicReferenceArray<Timer> byOutcome = timers.computeIfAbsent(type,
                unused -> new AtomicReferenceArray<>(OUTCOMES.length));
        Timer timer = byOutcome.get(outcome);
        if (timer == null) {
            // registered on first use, as before; two racing threads get the same meter from the registry
            timer = Timer.builder("weft.db.query")
                    .description("Database operations run through weft")
                    .tag("operation", type)
                    .tag("outcome", OUTCOMES[outcome])
                    .tag("database", database)
                    .register(Objects.requireNonNull(registry));
            byOutcome.set(outcome, timer);
        }
        return timer;
    }

    /** @return a snapshot of everything recorded so far */
    public QueryMetrics snapshot() {
        long ok = succeeded.sum();
        long bad = failed.sum();
        long total = ok + bad;
        double rate = total == 0 ? 1.0 : (double) ok / total;
        Duration average = total == 0 ? Duration.ZERO : Duration.ofNanos(totalMicros.sum() * 1000 / total);
        return new QueryMetrics(total, ok, bad, rate, average, percentile(50), percentile(95), percentile(99),
                slowThreshold, recent.list(), slow.list());
    }

    private Duration percentile(double p) {
        return histogram.getTotalCount() == 0 ? Duration.ZERO
                : Duration.ofNanos(histogram.getValueAtPercentile(p) * 1000);
    }

    private static String shorten(String sql) {
        String flat = sql.strip();
        return flat.length() <= SQL_LIMIT ? flat : flat.substring(0, SQL_LIMIT) + "...";
    }

    /**
     * A fixed-size ring of the latest operations; writers claim a slot with one atomic increment. Its list is built
     * again only after an operation was added: the slow ring rarely moves, and a dashboard asks for a snapshot every
     * two seconds.
     */
    private static final class Ring {
        private final AtomicReferenceArray<Raw> slots;
        // per slot, one more than the position whose entry it holds, stored after the entry: a list built while a
        // writer had claimed a position but not stored its entry yet is not kept
        private final AtomicLongArray stored;
        private final AtomicLong next = new AtomicLong();
        private final AtomicReference<Listed> listed = new AtomicReference<>(new Listed(0, List.of()));

        /** The ring's list as it was when {@code count} operations had been added. */
        private record Listed(long count, List<QueryMetrics.Record> records) {
        }

        Ring(int size) {
            slots = new AtomicReferenceArray<>(size);
            stored = new AtomicLongArray(size);
        }

        void add(Raw entry) {
            long position = next.getAndIncrement();
            int slot = (int) (position % slots.length());
            slots.set(slot, entry);
            stored.setRelease(slot, position + 1);
        }

        List<QueryMetrics.Record> list() {
            long end = next.get();
            Listed kept = listed.get();
            if (kept.count() == end) {
                return kept.records();
            }
            long start = Math.max(0, end - slots.length());
            List<Raw> raw = new ArrayList<>(slots.length());
            boolean complete = true;
            for (long i = start; i < end; i++) {
                int slot = (int) (i % slots.length());
                Raw entry = slots.get(slot);
                complete &= stored.getAcquire(slot) == i + 1;
                if (entry != null) {
                    raw.add(entry);
                }
            }
            // A concurrent writer may have overwritten a slot: order by id so the list reads oldest first.
            raw.sort((a, b) -> Long.compare(a.id(), b.id()));
            List<QueryMetrics.Record> out = new ArrayList<>(raw.size());
            for (Raw entry : raw) {
                out.add(entry.toRecord());
            }
            List<QueryMetrics.Record> records = List.copyOf(out);
            if (complete) {
                listed.set(new Listed(end, records));
            }
            return records;
        }
    }
}
