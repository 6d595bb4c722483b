package dev.weft.db;

import static dev.weft.db.Percentiles.percentileMs;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.weft.core.Deadline;
import dev.weft.core.WeftException;
import dev.weft.core.testing.FaultProxy;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Fast, honest failure while the database is down (issue 17): a database known to be down fails calls at once with
 * 503 instead of each waiting out the pool, the wait for a connection is bounded by the caller's deadline and by
 * the number of waiters, the first call after the server returns succeeds, and a failure says whether anything was
 * committed. PostgreSQL is crashed for real (a cluster of this test's own, {@code stop -m immediate}, prefix
 * {@code weftdf_}, ports 22000-22999); MariaDB is cut off by a TCP proxy in front of the shared server, which it
 * must not stop.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class FailFastTest {
    private static final String PREFIX = "weftdf_";
    /** The deadline each call of the load runs under, as weft-service's edge sets one per request. */
    private static final Duration CALL_DEADLINE = Duration.ofSeconds(3);
    private static final List<LocalPostgres> CREATED = new ArrayList<>();

    @BeforeAll
    static void sweepLeftovers() {
        LocalPostgres.sweep(PREFIX);
    }

    @AfterAll
    static void dropClusters() {
        for (LocalPostgres cluster : CREATED) {
            cluster.close();
        }
        CREATED.clear();
    }

    // ---- a real PostgreSQL crash --------------------------------------------------------------------------

    @Test
    void postgresCrashFailsFastLosesNoAcknowledgedWriteAndServesWithinTwoSecondsOfTheRestart() throws Exception {
        LocalPostgres server = LocalPostgres.create(PREFIX, freePortInRange(), "crash");
        CREATED.add(server);
        server.start();
        // the default 30 s acquire timeout on purpose: failing fast must not depend on a short one
        DatabaseConfig config = DatabaseConfig.builder(DatabaseType.POSTGRESQL).name("crashed").host("127.0.0.1")
                .port(server.port()).database("postgres").username("postgres").poolSize(4)
                .connectTimeout(Duration.ofSeconds(1)).statementTimeout(Duration.ofSeconds(5)).build();
        try (Database db = Database.create(config)) {
            Outage outage = runOutage(db, "postgresql", server::crash, () -> startAndAwaitFirstConnection(server));
            outage.assertHonestAndFast();
        }
    }

    /** Starts the server and returns when a plain JDBC connection first succeeds (polled every 10 ms). */
    private static long startAndAwaitFirstConnection(LocalPostgres server) {
        Thread starter = Thread.ofVirtual().start(server::start);
        String url = "jdbc:postgresql://127.0.0.1:" + server.port() + "/postgres?connectTimeout=1";
        long limit = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        try {
            while (System.nanoTime() < limit) {
                try (java.sql.Connection connection = java.sql.DriverManager.getConnection(url, "postgres", "");
                        java.sql.Statement statement = connection.createStatement()) {
                    statement.execute("SELECT 1");
                    long answered = System.nanoTime();
                    starter.join(Duration.ofSeconds(30));
                    return answered;
                } catch (java.sql.SQLException e) {
                    Thread.sleep(10);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        throw new AssertionError("server " + server + " did not accept a connection within 30 s");
    }

    // ---- MariaDB cut off by a proxy -----------------------------------------------------------------------

    @Test
    void mariadbCutOffFailsFastLosesNoAcknowledgedWriteAndServesWithinTwoSecondsOfItsReturn() throws Exception {
        DatabaseConfig shared = TestDatabases.MARIADB.config();
        try (FaultProxy proxy = FaultProxy.listen(freePortInRange(), shared.port());
                Database db = Database.create(TestDatabases.MARIADB.config(builder -> builder.name("cut-off")
                        .port(proxy.port()).poolSize(4).acquireTimeout(PoolConfig.DEFAULT_ACQUIRE_TIMEOUT)
                        .connectTimeout(Duration.ofSeconds(1))))) {
            Outage outage = runOutage(db, "mariadb", proxy::down, () -> {
                proxy.up();
                return System.nanoTime();
            });
            outage.assertHonestAndFast();
        }
    }

    // ---- the outage scenario and its invariants -----------------------------------------------------------

    /** One call of the load: which keys it wrote, when, and how it ended. */
    record Op(List<String> keys, long start, long end, String outcome) {
        boolean ok() {
            return outcome.equals("ok");
        }

        boolean unknown() {
            return outcome.equals("commit_outcome_unknown");
        }

        long millis() {
            return TimeUnit.NANOSECONDS.toMillis(end - start);
        }
    }

    /** What happened around one outage, measured in the test. */
    record Outage(String label, List<Op> ops, long crashAt, long backAt, Set<String> stored, List<Long> readyNanos,
            List<Boolean> readyHealthy, long maxWaitingSeen, int poolSize) {

        void assertHonestAndFast() {
            List<Op> whileKnownDown = ops.stream()
                    .filter(op -> op.start() >= crashAt + TimeUnit.SECONDS.toNanos(2) && op.end() <= backAt).toList();
            List<Long> downNanos = whileKnownDown.stream().map(op -> op.end() - op.start()).sorted().toList();
            long firstOk = ops.stream().filter(op -> op.ok() && op.start() >= backAt).mapToLong(Op::end).min()
                    .orElse(Long.MAX_VALUE);
            Map<String, Long> outcomes = ops.stream().filter(op -> op.start() >= crashAt && op.start() < backAt)
                    .collect(Collectors.groupingBy(Op::outcome, TreeMap::new, Collectors.counting()));
            long maxOpMs = ops.stream().mapToLong(Op::millis).max().orElse(0);
            List<Long> ready = readyNanos.stream().sorted().toList();
            figure("%s: %d calls, outcomes while down %s; %d calls started from 2 s after the crash until the return:"
                    + " p50 %.2f ms, p99 %.2f ms, max %.2f ms; slowest call of the run %d ms (deadline %d ms); first"
                    + " success %d ms after the server answered; lastHealth() p99 %.3f ms; most callers queued %d",
                    label, ops.size(), outcomes, whileKnownDown.size(), percentileMs(downNanos, 0.5),
                    percentileMs(downNanos, 0.99), percentileMs(downNanos, 1.0), maxOpMs, CALL_DEADLINE.toMillis(),
                    TimeUnit.NANOSECONDS.toMillis(firstOk - backAt), percentileMs(ready, 0.99), maxWaitingSeen);

            // 0 acknowledged writes lost; a plain 503/504 committed nothing; a transaction is all or nothing
            for (Op op : ops) {
                if (op.ok()) {
                    assertThat(stored).as("acknowledged %s", op).containsAll(op.keys());
                } else if (!op.unknown()) {
                    assertThat(op.keys()).as("failed with %s, yet committed", op.outcome())
                            .noneMatch(stored::contains);
                } else {
                    assertThat(op.keys().stream().filter(stored::contains).count()).as("all or nothing: %s", op)
                            .isIn(0L, (long) op.keys().size());
                }
            }
            assertThat(whileKnownDown).as("calls while known down").hasSizeGreaterThan(50)
                    .allSatisfy(op -> assertThat(op.outcome()).isEqualTo("database_unavailable"));
            assertThat(percentileMs(downNanos, 0.99)).as("p99 ms of a call while down").isLessThan(100);
            assertThat(maxOpMs).as("no call waited past its deadline").isLessThan(CALL_DEADLINE.toMillis() + 1000);
            assertThat(TimeUnit.NANOSECONDS.toMillis(firstOk - backAt)).as("first success after the return, ms")
                    .isLessThanOrEqualTo(2000);
            assertThat(percentileMs(ready, 0.99)).as("lastHealth() p99 ms").isLessThan(100);
            assertThat(readyHealthy).as("lastHealth() while down").containsOnly(false);
        }
    }

    /** A restart action that returns when the server answers again (System.nanoTime()). */
    @FunctionalInterface
    interface Restart {
        long restart() throws Exception;
    }

    private static Outage runOutage(Database db, String label, Runnable crash, Restart restart) throws Exception {
        String table = TestDatabases.table("ff");
        db.statement("CREATE TABLE " + table + " (k VARCHAR(64) PRIMARY KEY)").execute();
        try {
            ConcurrentLinkedQueue<Op> ops = new ConcurrentLinkedQueue<>();
            AtomicBoolean running = new AtomicBoolean(true);
            AtomicLong maxWaiting = new AtomicLong();
            long seed = ThreadLocalRandom.current().nextLong();
            System.out.println("FAILFAST seed " + seed);
            List<Thread> workers = new ArrayList<>();
            for (int w = 0; w < 8; w++) {
                int worker = w;
                java.util.Random random = new java.util.Random(seed + w);
                workers.add(Thread.ofVirtual().start(() -> {
                    long n = 0;
                    while (running.get()) {
                        String key = label + "-" + worker + "-" + n++;
                        boolean transaction = random.nextBoolean();
                        List<String> keys = transaction ? List.of(key, key + "b") : List.of(key);
                        long start = System.nanoTime();
                        String outcome;
                        try {
                            Deadline.after(CALL_DEADLINE).call(() -> {
                                if (transaction) {
                                    db.inTransaction(tx -> {
                                        tx.insert(table, Map.of("k", key)).execute();
                                        tx.insert(table, Map.of("k", key + "b")).execute();
                                        return null;
                                    });
                                } else {
                                    db.insert(table, Map.of("k", key)).execute();
                                }
                                return null;
                            });
                            outcome = "ok";
                        } catch (WeftException e) {
                            outcome = e.code();
                        }
                        ops.add(new Op(keys, start, System.nanoTime(), outcome));
                        maxWaiting.accumulateAndGet(db.poolStatus().waiting(), Math::max);
                        try {
                            Thread.sleep(5); // ~8 x 150 calls/s: a steady load, not a saturating one
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                }));
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> ops.stream().filter(Op::ok).count() >= 200);

            crash.run();
            long crashAt = System.nanoTime(); // when the server is gone (a stop takes 0.3 s, longer on a busy machine)
            await().atMost(Duration.ofSeconds(5)).until(() -> !db.lastHealth().healthy());
            // readiness while down: answered from the checker's state
            List<Long> readyNanos = new ArrayList<>();
            List<Boolean> readyHealthy = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                long start = System.nanoTime();
                Health health = db.lastHealth();
                readyNanos.add(System.nanoTime() - start);
                readyHealthy.add(health.healthy());
            }
            // down for 6 s in all (the issue measured 10 s and 40 s), so that calls from 2 s on are plenty
            long downUntil = crashAt + TimeUnit.SECONDS.toNanos(6);
            while (System.nanoTime() < downUntil) {
                Thread.sleep(50);
            }
            long backAt = restart.restart();
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> ops.stream().anyMatch(op -> op.ok() && op.start() >= backAt));
            Thread.sleep(500);
            running.set(false);
            for (Thread worker : workers) {
                worker.join(Duration.ofSeconds(10));
            }
            Set<String> stored = new HashSet<>(db.query("SELECT k FROM " + table, Map.of(), String.class));
            return new Outage(label, List.copyOf(ops), crashAt, backAt, stored, readyNanos, readyHealthy,
                    maxWaiting.get(), db.config().pool().size());
        } finally {
            db.statement("DROP TABLE " + table).execute();
        }
    }

    // ---- a slow server is not a dead one ------------------------------------------------------------------

    @Test
    void aServerThatConnectsSlowlyButAnswersIsNeverMarkedDown() throws Exception {
        DatabaseConfig shared = TestDatabases.POSTGRESQL.config();
        try (FaultProxy proxy = FaultProxy.listen(freePortInRange(), shared.port());
                Database db = Database.create(TestDatabases.POSTGRESQL.config(builder -> builder.name("slow")
                        .port(proxy.port()).poolSize(2).connectTimeout(Duration.ofSeconds(5))))) {
            assertThat(db.query("SELECT 1", Map.of(), Integer.class)).containsExactly(1);
            // each new connection takes 1.5 s: longer than a probe's query bound, shorter than the connect timeout
            proxy.slowConnects(Duration.ofMillis(1500));
            db.purgePool();
            List<String> outcomes = new ArrayList<>();
            List<Boolean> healthy = new ArrayList<>();
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (System.nanoTime() < until) {
                try {
                    db.query("SELECT 1", Map.of(), Integer.class);
                    outcomes.add("ok");
                } catch (WeftException e) {
                    outcomes.add(e.code());
                }
                healthy.add(db.lastHealth().healthy());
                Thread.sleep(100);
            }

            figure("slow connects (1.5 s each) for 5 s: outcomes %s", outcomes.stream()
                    .collect(Collectors.groupingBy(code -> code, TreeMap::new, Collectors.counting())));
            assertThat(outcomes).containsOnly("ok");
            assertThat(healthy).containsOnly(true);
        }
    }

    // ---- a connection lost while committing ---------------------------------------------------------------

    @Test
    void aConnectionLostDuringCommitIsOutcomeUnknownAndTheWriteMayHaveHappened() throws Exception {
        DatabaseConfig shared = TestDatabases.POSTGRESQL.config();
        try (FaultProxy proxy = FaultProxy.listen(freePortInRange(), shared.port());
                Database db = Database.create(TestDatabases.POSTGRESQL.config(builder -> builder.name("cut")
                        .port(proxy.port()).poolSize(2).retry(RetryConfig.defaults().withMaxRetries(0))))) {
            String table = TestDatabases.table("ffc");
            db.statement("CREATE TABLE " + table + " (k VARCHAR(64) PRIMARY KEY)").execute();
            try {
                String code;
                try {
                    db.inTransaction(tx -> {
                        tx.insert(table, Map.of("k", "in-tx")).execute();
                        proxy.cutAfterClientWriteContaining("COMMIT");
                        return null;
                    });
                    code = "ok";
                } catch (WeftException e) {
                    code = e.code();
                }
                String autocommitCode;
                await().atMost(Duration.ofSeconds(5)).until(() -> db.lastHealth().healthy());
                proxy.cutAfterClientWriteContaining("INSERT INTO");
                try {
                    db.insert(table, Map.of("k", "autocommit")).execute();
                    autocommitCode = "ok";
                } catch (WeftException e) {
                    autocommitCode = e.code();
                }

                List<String> stored = db.query("SELECT k FROM " + table + " ORDER BY k", Map.of(), String.class);
                figure("cut during COMMIT -> %s, during an autocommit INSERT -> %s; rows afterwards %s", code,
                        autocommitCode, stored);
                assertThat(code).isEqualTo("commit_outcome_unknown");
                assertThat(autocommitCode).isEqualTo("commit_outcome_unknown");
                // the server did commit both here: exactly why "unknown" must not read as "nothing happened"
                assertThat(stored).containsExactly("autocommit", "in-tx");
            } finally {
                db.statement("DROP TABLE " + table).execute();
            }
        }
    }

    // ---- bounded waits, on the shared server --------------------------------------------------------------

    @Test
    void theWaitForAConnectionEndsAtTheCallersDeadlineNotThePoolsTimeout() throws Exception {
        try (Database db = Database.create(TestDatabases.POSTGRESQL.config(builder -> builder.name("deadline")
                .poolSize(1).acquireTimeout(Duration.ofSeconds(30))))) {
            CountDownLatch holding = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            Thread holder = Thread.ofVirtual().start(() -> holdConnection(db, holding, release));
            assertThat(holding.await(10, TimeUnit.SECONDS)).isTrue();

            long start = System.nanoTime();
            String code = null;
            try {
                Deadline.after(Duration.ofMillis(300)).call(() -> db.query("SELECT 1", Map.of(), Integer.class));
            } catch (PoolExhaustedException e) {
                code = e.code();
            }
            long waitedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            release.countDown();
            holder.join(Duration.ofSeconds(10));

            figure("a call with a 300 ms deadline on a busy pool (acquire timeout 30 s) gave up after %d ms: %s",
                    waitedMs, code);
            assertThat(code).isEqualTo("pool_exhausted");
            assertThat(waitedMs).isBetween(250L, 2_000L);
            assertThat(db.query("SELECT 1", Map.of(), Integer.class)).containsExactly(1);
        }
    }

    @Test
    void callersBeyondMaxWaitingAreShedAtOnceInsteadOfQueued() throws Exception {
        try (Database db = Database.create(TestDatabases.POSTGRESQL.config(builder -> builder.name("shed")
                .pool(PoolConfig.defaults().withSize(1).withMaxWaiting(2).withAcquireTimeout(Duration.ofSeconds(10)))))) {
            CountDownLatch holding = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            Thread holder = Thread.ofVirtual().start(() -> holdConnection(db, holding, release));
            assertThat(holding.await(10, TimeUnit.SECONDS)).isTrue();
            ConcurrentLinkedQueue<String> outcomes = new ConcurrentLinkedQueue<>();
            ConcurrentLinkedQueue<Long> shedMillis = new ConcurrentLinkedQueue<>();
            List<Thread> callers = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                callers.add(Thread.ofVirtual().start(() -> {
                    long start = System.nanoTime();
                    try {
                        db.query("SELECT 1", Map.of(), Integer.class);
                        outcomes.add("ok");
                    } catch (PoolExhaustedException e) {
                        outcomes.add(e.code());
                        shedMillis.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
                    }
                }));
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> outcomes.size() == 4);
            assertThat(db.poolStatus().waiting()).isEqualTo(2);
            release.countDown();
            for (Thread caller : callers) {
                caller.join(Duration.ofSeconds(10));
            }
            holder.join(Duration.ofSeconds(10));

            figure("6 callers on 1 busy connection with max-waiting 2: %s, shed after %s ms", outcomes, shedMillis);
            assertThat(outcomes).filteredOn("ok"::equals).hasSize(2);
            assertThat(outcomes).filteredOn("pool_exhausted"::equals).hasSize(4);
            assertThat(shedMillis).allSatisfy(ms -> assertThat(ms).isLessThan(1000));
        }
    }

    @Test
    void sqliteHasNoServerToLoseAndStillAnswersLastHealth() {
        try (Database db = TestDatabases.SQLITE.open()) {
            assertThat(db.lastHealth().healthy()).isTrue();
            assertThat(Deadline.after(Duration.ofSeconds(1)).call(() -> db.query("SELECT 1", Map.of(), Integer.class)))
                    .containsExactly(1);
        }
    }

    // ---- helpers ------------------------------------------------------------------------------------------

    /** Holds one connection in a transaction until released. */
    private static void holdConnection(Database db, CountDownLatch holding, CountDownLatch release) {
        db.inTransaction(tx -> {
            holding.countDown();
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return null;
        });
    }

    /** A free loopback port in this test's range, 22000-22999. */
    private static int freePortInRange() {
        int offset = ThreadLocalRandom.current().nextInt(1000);
        for (int i = 0; i < 1000; i++) {
            int port = 22000 + (offset + i) % 1000;
            try (ServerSocket probe = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
                return port;
            } catch (IOException taken) {
                // try the next one
            }
        }
        throw new UncheckedIOException(new IOException("no free port in 22000-22999"));
    }

    private static void figure(String format, Object... args) {
        System.out.println("FAILFAST-FIGURES " + String.format(java.util.Locale.ROOT, format, args));
    }
}
