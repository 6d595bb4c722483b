package dev.weft.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.weft.core.InvalidConfigException;
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
import org.slf4j.LoggerFactory;

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
    void aStreamLeftOpenPastTheLeakThresholdIsLoggedWithTheStackThatTookItsConnection() throws Exception {
        Logger leaks = (Logger) LoggerFactory.getLogger("com.zaxxer.hikari.pool.ProxyLeakTask");
        ListAppender<ILoggingEvent> seen = new ListAppender<>();
        seen.start();
        leaks.addAppender(seen);
        try (Database db = Database.create(TestDatabases.POSTGRESQL.config(builder -> builder.pool(
                PoolConfig.defaults().withLeakDetection(Duration.ofSeconds(2)))))) {
            Stream<Integer> forgotten = db.stream("SELECT 1 UNION ALL SELECT 2", Map.of(), 1, Integer.class);
            forgotten.iterator().next();
            try {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (seen.list.isEmpty() && System.nanoTime() < deadline) {
                    Thread.sleep(100);
                }
            } finally {
                forgotten.close();
            }

            assertThat(seen.list).isNotEmpty();
            ILoggingEvent warning = seen.list.getFirst();
            assertThat(warning.getFormattedMessage()).contains("leak");
            assertThat(warning.getThrowableProxy().getStackTraceElementProxyArray()).extracting(Object::toString)
                    .anyMatch(frame -> frame.contains("aStreamLeftOpenPastTheLeakThreshold"));
        } finally {
            leaks.detachAppender(seen);
        }
    }

    @Test
    void leakDetectionBelowHikarisFloorOrPastTheLifetimeIsRefusedNotSilentlyOff() {
        assertThatThrownBy(() -> PoolConfig.defaults().withLeakDetection(Duration.ofSeconds(1)))
                .isInstanceOf(InvalidConfigException.class).hasMessageContaining("POOL_LEAK_DETECTION");
        assertThatThrownBy(() -> PoolConfig.defaults().withLeakDetection(PoolConfig.DEFAULT_RECYCLE))
                .isInstanceOf(InvalidConfigException.class).hasMessageContaining("at least 2 s");
        assertThat(PoolConfig.defaults().leakDetection()).isZero();
        assertThat(DatabaseConfig.fromEnv(Map.of("DATABASE_URL", "postgresql://127.0.0.1/test",
                "WEFT_DB_POOL_LEAK_DETECTION", "30")).pool().leakDetection()).isEqualTo(Duration.ofSeconds(30));
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

    @Test
    void aHealthProbeThatTimesOutStopsWaitingInThePool() throws Exception {
        try (Database db = Database.create(TestDatabases.POSTGRESQL.config(builder -> builder.poolSize(1)
                .acquireTimeout(Duration.ofSeconds(10))))) {
            try (Stream<Integer> held = db.stream("SELECT 1 UNION ALL SELECT 2", Map.of(), 1, Integer.class)) {
                held.iterator().next();

                Health health = db.health(Duration.ofMillis(200));

                assertThat(health.healthy()).isFalse();
                assertThat(health.error()).contains("timeout");
                // interrupted at its timeout, not left queued for the pool's 10 s acquire timeout
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
                while (db.poolStatus().waiting() > 0 && System.nanoTime() < deadline) {
                    Thread.sleep(10);
                }
                assertThat(db.poolStatus().waiting()).isZero();
                assertThat(db.poolStatus().timeouts()).isZero();
            }
            assertThat(db.health(Duration.ofSeconds(2)).healthy()).isTrue();
        }
    }

    @Test
    void aPoolOnStandByKeepsNoConnectionsAndConnectsOnTheFirstBorrowAfterItResumes() throws Exception {
        try (Database db = Database.create(TestDatabases.POSTGRESQL.config(builder -> builder.poolSize(3)))) {
            PooledDatabase pooled = (PooledDatabase) db;
            awaitTotal(db, 3);

            pooled.standBy();
            db.purgePool();
            awaitTotal(db, 0);
            Thread.sleep(300); // long enough for HikariCP's creator to have refilled a pool with a minimum idle
            assertThat(db.poolStatus().total()).isZero();

            pooled.resume();
            // the first borrow starts HikariCP's creator (one connection per waiting borrower; its housekeeper
            // tops the pool up to the minimum within 30 s)
            assertThat(db.query("SELECT 1", Map.of(), Integer.class)).containsExactly(1);
            assertThat(db.poolStatus().total()).isPositive();
        }
    }

    @Test
    void aDirectProbeUsesItsOwnConnectionAndReportsAServerThatIsDown() throws Exception {
        int closedPort = freePort();
        try (Database db = Database.create(TestDatabases.POSTGRESQL.config(builder -> builder.poolSize(1)));
                Database down = Database.create(TestDatabases.POSTGRESQL.config(builder -> builder.name("down")
                        .port(closedPort).poolSize(1).acquireTimeout(Duration.ofMillis(300))))) {
            PooledDatabase pooled = (PooledDatabase) db;
            awaitTotal(db, 1);

            assertThat(pooled.probeDirectly("SELECT 41 + 1", Duration.ofSeconds(2))).isEqualTo(42);
            assertThat(db.poolStatus().total()).isPositive();
            assertThat(db.poolStatus().checkedOut()).isZero();
            org.assertj.core.api.Assertions.assertThatThrownBy(
                    () -> ((PooledDatabase) down).probeDirectly("SELECT 1", Duration.ofSeconds(2)))
                    .isInstanceOf(java.sql.SQLException.class);
        }
    }

    private static int freePort() throws java.io.IOException {
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 1,
                java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private static void awaitTotal(Database db, int total) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (db.poolStatus().total() != total && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(db.poolStatus().total()).isEqualTo(total);
    }
}
