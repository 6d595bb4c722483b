package dev.weft.db;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Pool sizing and Micrometer binding; dialect-independent, so run on PostgreSQL only. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PoolAndMetricsTest {
    @Test
    void operationsAreTimedByOperationOutcomeAndDatabaseAndHikariIsBound() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (Database db = Database.create(TestDatabases.POSTGRESQL.config(), registry)) {
            db.query("SELECT 1", Map.of(), Integer.class);
            db.query("SELECT 2", Map.of(), Integer.class);
            try {
                db.statement("SELECT * FROM no_such_table_y").list();
            } catch (DatabaseException expected) {
                // counted as an error
            }

            Timer ok = registry.find("weft.db.query").tags("operation", "query", "outcome", "success",
                    "database", db.name()).timer();
            Timer failed = registry.find("weft.db.query").tags("operation", "query", "outcome", "error").timer();

            assertThat(ok).isNotNull();
            assertThat(ok.count()).isEqualTo(2);
            assertThat(failed).isNotNull();
            assertThat(failed.count()).isEqualTo(1);
            assertThat(registry.find("hikaricp.connections.max").gauge()).isNotNull();
        }
    }

    @Test
    void overflowConnectionsOpenUnderLoadBeyondThePoolSize() throws Exception {
        try (Database db = Database.create(TestDatabases.POSTGRESQL.config(builder -> builder.poolSize(2)
                .maxOverflow(2)))) {
            CountDownLatch allOpen = new CountDownLatch(4);
            List<Stream<Integer>> streams = new ArrayList<>();
            try {
                for (int i = 0; i < 4; i++) {
                    Stream<Integer> stream = db.stream("SELECT 1 UNION ALL SELECT 2", Map.of(), 1, Integer.class);
                    stream.iterator().next();
                    streams.add(stream);
                    allOpen.countDown();
                }
                assertThat(allOpen.await(5, TimeUnit.SECONDS)).isTrue();

                PoolStatus status = db.poolStatus();

                assertThat(status.size()).isEqualTo(2);
                assertThat(status.maxConnections()).isEqualTo(4);
                assertThat(status.checkedOut()).isEqualTo(4);
                assertThat(status.overflow()).isEqualTo(2);
            } finally {
                streams.forEach(Stream::close);
            }
            assertThat(db.poolStatus().checkedOut()).isZero();
        }
    }

    @Test
    void waitersAreCountedWhileThePoolIsBusy() throws Exception {
        try (Database db = Database.create(TestDatabases.POSTGRESQL.config(builder -> builder.poolSize(1)
                .acquireTimeout(Duration.ofSeconds(5))))) {
            Thread waiter;
            try (Stream<Integer> held = db.stream("SELECT 1 UNION ALL SELECT 2", Map.of(), 1, Integer.class)) {
                held.iterator().next();
                waiter = Thread.ofVirtual().start(() -> db.query("SELECT 1", Map.of(), Integer.class));
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                while (db.poolStatus().waiting() == 0 && System.nanoTime() < deadline) {
                    Thread.onSpinWait();
                }

                assertThat(db.poolStatus().waiting()).isEqualTo(1);
            }
            waiter.join(Duration.ofSeconds(5));
            assertThat(db.poolStatus().waiting()).isZero();
        }
    }
}
