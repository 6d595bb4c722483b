package dev.weft.db.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.db.QueryMetrics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class QueryRecorderTest {
    @Test
    void aSnapshotWithNothingNewReusesTheListsBuiltForThePreviousOne() {
        QueryRecorder recorder = new QueryRecorder("test", null, Duration.ZERO);
        recorder.record(QueryRecorder.nextId(), "query", "SELECT 1", System.nanoTime(), 1, null, false);

        QueryMetrics first = recorder.snapshot();
        QueryMetrics second = recorder.snapshot();

        assertThat(second.recent()).isSameAs(first.recent());
        assertThat(second.slowQueries()).isSameAs(first.slowQueries());
        recorder.record(QueryRecorder.nextId(), "update", "UPDATE t SET a = 1", System.nanoTime(), 1, null, false);
        QueryMetrics third = recorder.snapshot();
        assertThat(third.recent()).extracting(QueryMetrics.Record::sql).containsExactly("SELECT 1",
                "UPDATE t SET a = 1");
        assertThat(third.slowQueries()).hasSize(2);
    }

    @Test
    void theRecentListKeepsTheLatestTenOldestFirstAfterTheRingWraps() {
        QueryRecorder recorder = new QueryRecorder("test", null, Duration.ofHours(1));
        for (int i = 0; i < 25; i++) {
            recorder.record(QueryRecorder.nextId(), "query", "SELECT " + i, System.nanoTime(), 1, null, false);
            recorder.snapshot();
        }

        assertThat(recorder.snapshot().recent()).extracting(QueryMetrics.Record::sql)
                .containsExactly("SELECT 15", "SELECT 16", "SELECT 17", "SELECT 18", "SELECT 19", "SELECT 20",
                        "SELECT 21", "SELECT 22", "SELECT 23", "SELECT 24");
        assertThat(recorder.snapshot().slowQueries()).isEmpty();
    }

    @Test
    void snapshotsTakenWhileWritersRecordNeverKeepAListPastTheNextOperation() throws Exception {
        QueryRecorder recorder = new QueryRecorder("test", null, Duration.ofHours(1));
        int writers = 4;
        int each = 5_000;
        AtomicBoolean reading = new AtomicBoolean(true);
        Thread reader = Thread.ofPlatform().start(() -> {
            while (reading.get()) {
                recorder.snapshot();
            }
        });
        List<Thread> threads = new ArrayList<>();
        for (int w = 0; w < writers; w++) {
            int writer = w;
            threads.add(Thread.ofPlatform().start(() -> {
                for (int i = 0; i < each; i++) {
                    recorder.record(QueryRecorder.nextId(), "query", "SELECT " + writer + "-" + i, System.nanoTime(),
                            1, null, false);
                }
            }));
        }
        for (Thread thread : threads) {
            thread.join();
        }
        List<String> last = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            last.add("SELECT last-" + i);
            recorder.record(QueryRecorder.nextId(), "query", last.getLast(), System.nanoTime(), 1, null, false);
        }
        reading.set(false);
        reader.join();

        assertThat(recorder.snapshot().recent()).extracting(QueryMetrics.Record::sql).containsExactlyElementsOf(last);
        assertThat(recorder.snapshot().total()).isEqualTo((long) writers * each + 10);
    }
}
