package dev.weft.db;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Many virtual threads writing to one SQLite file at once. Without weft's writer turn, writers beyond the first wait
 * inside SQLite's native busy handler, each holding a carrier thread; with as many waiters as carriers the lock
 * holder cannot run once it has parked (here: a short sleep inside the transaction), and the writes stall until the
 * busy timeout fails them. With it, they queue as parked virtual threads and every write lands.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SqliteWriterTurnTest {
    private static final int WRITERS = 200;

    @Test
    void concurrentWriteTransactionsAndStatementsAllLand() throws Exception {
        try (Database db = Database.create(TestDatabases.SQLITE.config(builder -> builder.poolSize(8)))) {
            db.execute("CREATE TABLE counters (id INTEGER PRIMARY KEY, value INTEGER NOT NULL)");
            db.execute("INSERT INTO counters (id, value) VALUES (1, 0)");
            List<Future<?>> writes = new ArrayList<>();
            long start = System.nanoTime();
            try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
                for (int i = 0; i < WRITERS; i++) {
                    int n = i;
                    writes.add(threads.submit(() -> {
                        if (n % 2 == 0) {
                            db.inTransaction(tx -> {
                                Long value = tx.query("SELECT value FROM counters WHERE id = 1", Map.of())
                                        .one(Long.class);
                                // Other work inside the transaction (a cache call, a log line) parks the thread
                                // and gives its carrier away while it holds SQLite's write lock.
                                Thread.sleep(1);
                                return tx.execute("UPDATE counters SET value = :value WHERE id = 1",
                                        Map.of("value", value + 1));
                            });
                        } else {
                            db.execute("UPDATE counters SET value = value + 1 WHERE id = 1");
                        }
                        return null;
                    }));
                }
            }
            for (Future<?> write : writes) {
                write.get();
            }

            Long value = db.query("SELECT value FROM counters WHERE id = 1", Map.of()).one(Long.class);
            assertThat(value).isEqualTo((long) WRITERS);
            assertThat(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start)).isLessThan(60);
        }
    }
}
