package dev.weft.db;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Runs 10,000 concurrent queries through weft on virtual threads under a JFR recording and checks that no virtual
 * thread ever pinned its carrier: a pinned virtual thread blocks a whole carrier (there are only as many as
 * cores), so pinning inside the driver, the pool or weft would cap throughput at a handful of concurrent queries.
 */
class VirtualThreadPinningTest {
    private static final String PINNED = "jdk.VirtualThreadPinned";
    private static final int ROWS = 100;
    private static final int WARM_UP = 200;
    private static final int QUERIES = 10_000;

    record Row(long id, String name) {
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = TestDatabases.class, names = {"POSTGRESQL", "MARIADB", "SQLITE"})
    @Timeout(180)
    void runsTenThousandConcurrentQueriesWithoutPinningACarrierThread(TestDatabases target) throws Exception {
        String table = TestDatabases.table("pinning");
        // The acquire timeout is generous: 10,000 callers queue on 20 connections, and this test is about
        // pinning, not latency, on a shared machine; and all of them may wait (the default sheds beyond 1000).
        DatabaseConfig config = target.config(b -> b.poolSize(20).acquireTimeout(Duration.ofSeconds(120))
                .maxWaiting(10_000));
        try (Database db = Database.create(config)) {
            db.execute("CREATE TABLE " + table + " (id INTEGER PRIMARY KEY, name VARCHAR(40) NOT NULL)"
                    + target.tableOptions());
            try {
                for (int id = 1; id <= ROWS; id++) {
                    db.execute("INSERT INTO " + table + " (id, name) VALUES (:id, :name)",
                            Map.of("id", id, "name", "row-" + id));
                }
                Outcome warmUp = queryConcurrently(db, table, WARM_UP);
                assertThat(warmUp.failures()).as("warm-up failures").isEmpty();

                String prefix = "weft-pinning-" + target.name().toLowerCase(Locale.ROOT) + "-";
                Path file = Files.createTempFile(prefix, ".jfr");
                try {
                    Outcome outcome;
                    try (Recording recording = new Recording()) {
                        recording.enable(PINNED).withThreshold(Duration.ZERO).withStackTrace();
                        recording.start();
                        outcome = queryConcurrently(db, table, QUERIES);
                        recording.stop();
                        recording.dump(file);
                    }

                    assertThat(outcome.failures()).as("failed queries").isEmpty();
                    assertThat(outcome.succeeded()).isEqualTo(QUERIES);
                    List<RecordedEvent> pinned = pinnedEvents(file);
                    pinned.forEach(event -> System.out.println(describe(event)));
                    assertThat(pinned).withFailMessage(() -> pinned.size() + " " + PINNED + " events on "
                            + target + "; the first ones:\n" + describeFirst(pinned, 5)).isEmpty();
                } finally {
                    Files.deleteIfExists(file);
                }
            } finally {
                db.execute("DROP TABLE " + table);
            }
        }
    }

    /** Proves the check above can fail: parking inside a class initializer still pins on JDK 25. */
    @Test
    @Timeout(30)
    void theRecordingSeesAPinnedVirtualThread() throws Exception {
        Path file = Files.createTempFile("weft-pinning-probe-", ".jfr");
        try {
            try (Recording recording = new Recording()) {
                recording.enable(PINNED).withThreshold(Duration.ZERO).withStackTrace();
                recording.start();
                Thread.ofVirtual().start(ParksInItsInitializer::touch).join();
                recording.stop();
                recording.dump(file);
            }

            List<RecordedEvent> pinned = pinnedEvents(file);

            assertThat(pinned).isNotEmpty();
            assertThat(describe(pinned.getFirst())).contains(ParksInItsInitializer.class.getName());
        } finally {
            Files.deleteIfExists(file);
        }
    }

    private static final class ParksInItsInitializer {
        static {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(2));
        }

        static void touch() {
        }
    }

    /** What a round of concurrent queries gave. */
    private record Outcome(int succeeded, List<Throwable> failures) {
    }

    /**
     * Starts {@code count} virtual threads that wait on one gate, then each run one query, so all of them are in
     * flight at once.
     */
    private static Outcome queryConcurrently(Database db, String table, int count) throws InterruptedException {
        String sql = "SELECT id, name FROM " + table + " WHERE id = :id";
        CountDownLatch gate = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(count);
        AtomicInteger succeeded = new AtomicInteger();
        Queue<Throwable> failures = new ConcurrentLinkedQueue<>();
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < count; i++) {
                long id = i % ROWS + 1;
                threads.execute(() -> {
                    try {
                        gate.await();
                        List<Row> rows = db.query(sql, Map.of("id", id), Row.class);
                        if (rows.equals(List.of(new Row(id, "row-" + id)))) {
                            succeeded.incrementAndGet();
                        } else {
                            failures.add(new AssertionError("id " + id + " read " + rows));
                        }
                    } catch (Throwable e) {
                        failures.add(e);
                    } finally {
                        done.countDown();
                    }
                });
            }
            gate.countDown();
            if (!done.await(150, TimeUnit.SECONDS)) {
                threads.shutdownNow();
                failures.add(new AssertionError(done.getCount() + " of " + count + " queries still running"));
            }
        }
        return new Outcome(succeeded.get(), new ArrayList<>(failures));
    }

    private static List<RecordedEvent> pinnedEvents(Path file) throws IOException {
        return RecordingFile.readAllEvents(file).stream()
                .filter(event -> event.getEventType().getName().equals(PINNED))
                .toList();
    }

    private static String describeFirst(List<RecordedEvent> events, int limit) {
        StringBuilder text = new StringBuilder();
        events.stream().limit(limit).forEach(event -> text.append(describe(event)).append('\n'));
        return text.toString();
    }

    private static String describe(RecordedEvent event) {
        StringBuilder text = new StringBuilder(PINNED).append(" for ").append(event.getDuration());
        if (event.hasField("pinnedReason")) {
            text.append(", reason: ").append(event.getString("pinnedReason"));
        }
        if (event.hasField("blockingOperation")) {
            text.append(", blocking: ").append(event.getString("blockingOperation"));
        }
        text.append('\n');
        if (event.getStackTrace() == null) {
            return text.append("    (no stack trace)").toString();
        }
        for (RecordedFrame frame : event.getStackTrace().getFrames()) {
            text.append("    at ").append(frame.getMethod().getType().getName()).append('.')
                    .append(frame.getMethod().getName()).append(" line ").append(frame.getLineNumber())
                    .append(frame.isJavaFrame() ? "" : " (native)").append('\n');
        }
        if (event.getStackTrace().isTruncated()) {
            text.append("    ... (truncated)\n");
        }
        return text.toString();
    }
}
