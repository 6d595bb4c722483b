package dev.weft.db;

import static dev.weft.db.Percentiles.percentileMs;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.core.InvalidConfigException;
import dev.weft.core.WeftException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link DatabaseCluster} against real PostgreSQL clusters that the tests create and drop themselves
 * ({@link LocalPostgres}, prefix {@code weftfo_}); the shared 5432 server is never touched. Each fault test runs a
 * steady load on virtual threads, records every call (start, end, outcome) and judges the history. Figures are
 * printed with the label {@code FAILOVER-FIGURES}.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DatabaseClusterTest {
    private static final Duration POOL_TIMEOUT = Duration.ofSeconds(1);
    private static final List<LocalPostgres> CREATED = new ArrayList<>();

    @BeforeAll
    static void sweepLeftovers() {
        LocalPostgres.sweep();
    }

    @AfterAll
    static void dropClusters() {
        RuntimeException failure = null;
        synchronized (CREATED) {
            for (LocalPostgres cluster : CREATED) {
                try {
                    cluster.close();
                } catch (RuntimeException e) {
                    if (failure == null) {
                        failure = e;
                    } else {
                        failure.addSuppressed(e);
                    }
                }
            }
            CREATED.clear();
        }
        if (failure != null) {
            throw failure;
        }
    }

    private static LocalPostgres created(LocalPostgres cluster) {
        synchronized (CREATED) {
            CREATED.add(cluster);
        }
        return cluster;
    }

    /** Creates clusters in parallel: pg_createcluster takes ~2 s each here. */
    private static List<LocalPostgres> createAll(List<String[]> specs) throws InterruptedException {
        List<LocalPostgres> result = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        LocalPostgres[] made = new LocalPostgres[specs.size()];
        RuntimeException[] failures = new RuntimeException[specs.size()];
        for (int i = 0; i < specs.size(); i++) {
            int index = i;
            String[] spec = specs.get(i);
            threads.add(Thread.ofVirtual().start(() -> {
                try {
                    made[index] = created(LocalPostgres.create(spec[0],
                            java.util.Arrays.copyOfRange(spec, 1, spec.length)));
                } catch (RuntimeException e) {
                    failures[index] = e;
                }
            }));
        }
        for (Thread thread : threads) {
            thread.join();
        }
        for (int i = 0; i < specs.size(); i++) {
            if (failures[i] != null) {
                throw failures[i];
            }
            result.add(made[i]);
        }
        return result;
    }

    private static void startAll(LocalPostgres... clusters) throws InterruptedException {
        List<Thread> threads = new ArrayList<>();
        for (LocalPostgres cluster : clusters) {
            threads.add(Thread.ofVirtual().start(cluster::start));
        }
        for (Thread thread : threads) {
            thread.join();
        }
    }

    // ---- configuration -------------------------------------------------------------------------------------

    @Test
    void refusesAClusterWithoutAPrimaryOrWithTwoMembersOfOneName() {
        DatabaseConfig config = DatabaseConfig.builder(DatabaseType.POSTGRESQL).host("127.0.0.1").port(1)
                .database("x").build();

        assertThatThrownBy(() -> DatabaseCluster.builder().build()).isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("weft.db.cluster.primary");
        try (Database one = Database.create(config); Database two = Database.create(config)) {
            assertThatThrownBy(() -> DatabaseCluster.builder().primary(one).failover(two).build())
                    .isInstanceOf(InvalidConfigException.class).hasMessageContaining("share this name");
            assertThatThrownBy(() -> DatabaseCluster.builder().checkInterval(Duration.ofSeconds(1))
                    .checkInterval(Duration.ofSeconds(2))).isInstanceOf(InvalidConfigException.class);
        }
    }

    // ---- 1. outage without a standby -------------------------------------------------------------------------

    @Test
    void failsFastWhileTheOnlyMemberIsDownAndRecoversWithinTwoSecondsOfItsRestart() throws Exception {
        LocalPostgres server = createAll(List.<String[]>of(new String[] {"solo"})).getFirst();
        server.start();
        Database plain = Database.create(server.config("plain", POOL_TIMEOUT));
        DatabaseCluster cluster = DatabaseCluster.builder().name("solo")
                .primary(Database.create(server.config("primary", POOL_TIMEOUT)))
                .checkInterval(Duration.ofMillis(250)).probeTimeout(Duration.ofMillis(500)).build();
        Load load = new Load(cluster, 4, 0, null);
        try {
            assertThat(plain.query("SELECT 1", Map.of(), Integer.class)).containsExactly(1);
            load.start();
            waitFor(Duration.ofSeconds(5), () -> load.successes() >= 100);

            long crashAt = System.nanoTime();
            server.crash();
            long killedAt = System.nanoTime();
            waitFor(Duration.ofSeconds(5), () -> cluster.clusterStatus().current().isEmpty());
            long detectedAt = System.nanoTime();
            long plainStart = System.nanoTime();
            String plainOutcome = outcome(() -> plain.query("SELECT 1", Map.of(), Integer.class));
            long plainMs = millis(System.nanoTime() - plainStart);
            // stay down until calls caught in the pool before detection have timed out, then one more second
            waitFor(Duration.ofSeconds(10), () -> System.nanoTime() - killedAt > POOL_TIMEOUT.toNanos() + 1_000_000_000L);
            long restartAt = System.nanoTime();
            Started started = startAndAwaitFirstConnection(server);
            long backAt = started.answeredAt();
            waitFor(Duration.ofSeconds(10), () -> cluster.clusterStatus().current().isPresent());
            long markedUpAt = System.nanoTime();
            waitFor(Duration.ofSeconds(10), () -> load.firstSuccessStartedAfter(backAt).isPresent());
            long firstOkAt = load.firstSuccessStartedAfter(backAt).orElseThrow();
            load.stop();
            started.finish();

            List<Op> failed = load.failuresBetween(crashAt, backAt);
            List<Op> knownDown = failed.stream().filter(op -> op.start >= detectedAt).toList();
            List<Op> caught = failed.stream().filter(op -> op.start < detectedAt).toList();
            List<Long> knownDownNanos = knownDown.stream().map(op -> op.end - op.start).sorted().toList();
            List<Long> caughtNanos = caught.stream().map(op -> op.end - op.start).sorted().toList();
            Map<String, Long> codes = failed.stream().collect(Collectors.groupingBy(op -> op.code + "/" + op.status,
                    TreeMap::new, Collectors.counting()));
            figure("outage (no standby): stop -m immediate took %d ms; cluster marked the member down %d ms after the "
                    + "kill; failed calls %s", millis(killedAt - crashAt), millis(detectedAt - killedAt), codes);
            figure("outage (no standby): %d calls started while the cluster knew no member was up: p50 %.3f ms, "
                    + "p99 %.3f ms, max %.1f ms (member pool timeout %d ms)", knownDown.size(),
                    percentileMs(knownDownNanos, 0.50), percentileMs(knownDownNanos, 0.99),
                    percentileMs(knownDownNanos, 1.0), POOL_TIMEOUT.toMillis());
            figure("outage (no standby): %d calls started before detection (already in the dead member's pool): "
                    + "p50 %.1f ms, max %.1f ms", caught.size(), percentileMs(caughtNanos, 0.50),
                    percentileMs(caughtNanos, 1.0));
            figure("outage (no standby): plain Database without a cluster (pool timeout %d ms): one call while down "
                    + "took %d ms: %s", POOL_TIMEOUT.toMillis(), plainMs, plainOutcome);
            figure("outage (no standby): restart after the crash took %d ms until the server accepted a connection; "
                    + "cluster marked it up %d ms and the first call through the cluster succeeded %d ms after that; "
                    + "status %s", millis(backAt - restartAt), millis(markedUpAt - backAt), millis(firstOkAt - backAt),
                    cluster.clusterStatus());

            assertThat(knownDown).hasSizeGreaterThan(100);
            assertThat(failed).allSatisfy(op -> assertThat(op.status).isEqualTo(503));
            assertThat(percentileMs(knownDownNanos, 0.99)).isLessThan(POOL_TIMEOUT.toMillis() / 20.0);
            // The bound. The cluster probes a member it holds down with connections of its own and keeps the
            // member's pool on stand-by meanwhile, so recovery costs two probe intervals (recoveryThreshold 2 x 250 ms)
            // and one connect, not HikariCP's reconnect backoff, which doubles up to 5 s during an outage (measured
            // 1.6-2.5 s through the pool before; 0.34-0.39 s now).
            assertThat(millis(firstOkAt - backAt)).isLessThanOrEqualTo(2000);
            assertThat(cluster.clusterStatus().current()).contains("primary");
            assertThat(cluster.clusterStatus().outages()).isEqualTo(1);
            assertThat(cluster.clusterStatus().switches()).isZero();
        } finally {
            load.stop();
            cluster.close();
            plain.close();
        }
    }

    @Test
    void aMemberDownAtStartIsProbedDirectlyAndLeavesStandByWhenMarkedUpByOneProbe() throws Exception {
        LocalPostgres server = createAll(List.<String[]>of(new String[] {"late"})).getFirst();
        FailoverCluster cluster = (FailoverCluster) DatabaseCluster.builder().name("late")
                .primary(Database.create(server.config("primary", POOL_TIMEOUT)))
                .checkInterval(Duration.ofMillis(250)).probeTimeout(Duration.ofMillis(500)).recoveryThreshold(1)
                .build();
        try {
            assertThat(cluster.clusterStatus().current()).isEmpty();
            assertThat(cluster.membersOnStandBy()).containsExactly("primary");

            server.start();
            waitFor(Duration.ofSeconds(10), () -> cluster.clusterStatus().current().isPresent());

            // marked up by the direct probe itself: its pool must be back in service, not left on stand-by
            assertThat(cluster.membersOnStandBy()).isEmpty();
            assertThat(cluster.query("SELECT 1", Map.of(), Integer.class)).containsExactly(1);
        } finally {
            cluster.close();
        }
    }

    /** A server being started: when it first answered, and the thread running {@code pg_ctlcluster start}. */
    record Started(long answeredAt, Thread starter, RuntimeException[] failure) {
        /** Waits for {@code pg_ctlcluster start} to return (it polls, so it returns well after the first answer). */
        void finish() throws InterruptedException {
            starter.join(Duration.ofSeconds(30));
            if (failure[0] != null) {
                throw failure[0];
            }
        }
    }

    /**
     * Starts the server and, meanwhile, tries a plain JDBC connection every 10 ms.
     *
     * @return when the server first answered a query; call {@link Started#finish()} later
     */
    private static Started startAndAwaitFirstConnection(LocalPostgres server) throws InterruptedException {
        RuntimeException[] failure = new RuntimeException[1];
        Thread starter = Thread.ofVirtual().start(() -> {
            try {
                server.start();
            } catch (RuntimeException e) {
                failure[0] = e;
            }
        });
        String url = "jdbc:postgresql://127.0.0.1:" + server.port() + "/postgres?connectTimeout=1";
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            try (java.sql.Connection connection = java.sql.DriverManager.getConnection(url, "postgres", "");
                    java.sql.Statement statement = connection.createStatement()) {
                statement.execute("SELECT 1");
                return new Started(System.nanoTime(), starter, failure);
            } catch (java.sql.SQLException e) {
                Thread.sleep(10);
            }
        }
        throw new AssertionError("server " + server + " did not accept a connection within 30 s");
    }

    // ---- 2. failover to a promoted streaming standby ---------------------------------------------------------

    @Test
    void failsOverToAPromotedStandbyWithoutLosingAnAcknowledgedWrite() throws Exception {
        List<LocalPostgres> made = createAll(List.of(
                new String[] {"pri", "wal_level = replica", "synchronous_standby_names = '*'"},
                new String[] {"stb"}));
        LocalPostgres primaryServer = made.get(0);
        LocalPostgres standbyServer = made.get(1);
        primaryServer.start();
        standbyServer.becomeStandbyOf(primaryServer);
        standbyServer.start();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        DatabaseCluster cluster = DatabaseCluster.builder().name("orders")
                .primary(Database.create(primaryServer.config("primary", Duration.ofSeconds(2))))
                .failover(Database.create(standbyServer.config("standby-1", Duration.ofSeconds(2))))
                .failBack(false).checkInterval(Duration.ofMillis(250)).probeTimeout(Duration.ofMillis(500))
                .meterRegistry(registry).build();
        String table = TestDatabases.table("fo");
        Load load = new Load(cluster, 4, 2, table);
        try {
            assertThat(cluster.clusterStatus().current()).contains("primary");
            assertThat(cluster.clusterStatus().member("standby-1").orElseThrow().lastError()).contains("read_only");
            waitFor(Duration.ofSeconds(10), () -> cluster.query(
                    "SELECT count(*) FROM pg_stat_replication WHERE sync_state = 'sync'", Map.of(), Long.class)
                    .getFirst() == 1);
            cluster.execute("CREATE TABLE " + table + " (id BIGINT PRIMARY KEY, writer INT NOT NULL)");
            load.start();
            waitFor(Duration.ofSeconds(10), () -> load.acknowledged.size() >= 200);

            long crashAt = System.nanoTime();
            primaryServer.crash();
            long killedAt = System.nanoTime();
            standbyServer.promote();
            long promotedAt = System.nanoTime();
            waitFor(Duration.ofSeconds(10), () -> load.firstWriteSuccessStartedAfter(killedAt).isPresent());
            // a write that started after the kill cannot have run on the old primary
            long firstWriteOkAt = load.firstWriteSuccessStartedAfter(killedAt).orElseThrow();
            long switchedAt = System.nanoTime();
            waitFor(Duration.ofSeconds(5), () -> load.successes() > 0 && System.nanoTime() - switchedAt > 500_000_000L);
            load.stop();

            Set<Long> present = new HashSet<>(cluster.query("SELECT id FROM " + table, Map.of(), Long.class));
            Set<Long> acknowledged = Set.copyOf(load.acknowledged);
            List<Op> failed = load.failuresBetween(crashAt, System.nanoTime());
            Map<String, Long> codes = failed.stream().collect(Collectors.groupingBy(op -> op.kind + ":" + op.code,
                    TreeMap::new, Collectors.counting()));
            long unknownPresent = load.failedWriteIds().stream().filter(present::contains).count();
            List<Long> failedMs = failed.stream().map(op -> op.end - op.start).sorted().toList();
            double counted = registry.find("weft.db.cluster.switches").counters().stream()
                    .mapToDouble(io.micrometer.core.instrument.Counter::count).sum();
            figure("failover (streaming standby, sync commit): stop -m immediate took %d ms, promote %d ms; first "
                    + "write on the new primary succeeded %d ms after the kill; %d failed calls during the switch (p99 %.1f ms, max %.0f ms) %s; "
                    + "%d writes acknowledged, all %d present on the new primary: %s; %d failed writes were committed "
                    + "anyway (outcome unknown to the client); switches=%d (micrometer %.0f); status %s",
                    millis(killedAt - crashAt), millis(promotedAt - killedAt), millis(firstWriteOkAt - killedAt),
                    failed.size(),
                    percentileMs(failedMs, 0.99), percentileMs(failedMs, 1.0), codes, acknowledged.size(),
                    acknowledged.size(), present.containsAll(acknowledged), unknownPresent,
                    cluster.clusterStatus().switches(), counted, cluster.clusterStatus());

            assertThat(present).containsAll(acknowledged);
            assertThat(millis(firstWriteOkAt - killedAt)).isLessThan(5000);
            assertThat(cluster.clusterStatus().current()).contains("standby-1");
            assertThat(cluster.clusterStatus().switches()).isEqualTo(1);
            assertThat(counted).isEqualTo(1.0);
            assertThat(failed).allSatisfy(op -> assertThat(op.status).isEqualTo(503));
        } finally {
            load.stop();
            cluster.close();
        }
    }

    // ---- 3. fail back to a primary that returns --------------------------------------------------------------

    @Test
    void failsOverToTheNextMemberAndBackWhenThePrimaryReturns() throws Exception {
        List<LocalPostgres> made = createAll(List.of(new String[] {"fbp"}, new String[] {"fbs"}));
        LocalPostgres primaryServer = made.get(0);
        LocalPostgres failoverServer = made.get(1);
        startAll(primaryServer, failoverServer);
        DatabaseCluster cluster = DatabaseCluster.builder().name("fb")
                .primary(Database.create(primaryServer.config("primary", Duration.ofSeconds(2))))
                .failover(Database.create(failoverServer.config("standby-1", Duration.ofSeconds(2))))
                .checkInterval(Duration.ofMillis(250)).probeTimeout(Duration.ofMillis(500)).build();
        Load load = new Load(cluster, 2, 0, null);
        try {
            load.start();
            waitFor(Duration.ofSeconds(5), () -> load.successes() >= 50);

            long crashAt = System.nanoTime();
            primaryServer.crash();
            waitFor(Duration.ofSeconds(5), () -> cluster.clusterStatus().current().equals(Optional.of("standby-1")));
            long failedOverAt = System.nanoTime();
            Map<String, Object> where = cluster.query("SELECT inet_server_port() AS port", Map.of()).list().getFirst();
            Started started = startAndAwaitFirstConnection(primaryServer);
            long backAt = started.answeredAt();
            waitFor(Duration.ofSeconds(10), () -> cluster.clusterStatus().current().equals(Optional.of("primary")));
            long failedBackAt = System.nanoTime();
            load.stop();
            started.finish();

            figure("fail-back: switched to standby-1 %d ms after the primary crashed; back on the primary %d ms "
                    + "after it restarted; %d failed calls; status %s", millis(failedOverAt - crashAt),
                    millis(failedBackAt - backAt), load.failuresBetween(crashAt, failedBackAt).size(),
                    cluster.clusterStatus());

            assertThat(((Number) where.get("port")).intValue()).isEqualTo(failoverServer.port());
            assertThat(millis(failedOverAt - crashAt)).isLessThan(5000);
            assertThat(cluster.clusterStatus().switches()).isEqualTo(2);
            assertThat(cluster.query("SELECT inet_server_port()", Map.of(), Integer.class))
                    .containsExactly(primaryServer.port());
            assertThat(cluster.clusterStatus().member("primary").orElseThrow().healthy()).isTrue();
        } finally {
            load.stop();
            cluster.close();
        }
        assertThatThrownBy(() -> cluster.query("SELECT 1", Map.of(), Integer.class))
                .isInstanceOf(DatabaseUnavailableException.class).hasMessageContaining("closed");
        cluster.close();
    }

    // ---- 4. the alternative: a pgjdbc multi-host URL ---------------------------------------------------------

    /**
     * pgjdbc's own failover: one plain Database over {@code jdbc:postgresql://h:p1,h:p2/db?targetServerType=primary}.
     * DatabaseConfig has one host and one port, so this builds the host list by putting {@code "h:p1,h"} in host and
     * p2 in port: it relies on how the PostgreSQL dialect concatenates the URL. A real host-list or raw-URL setting
     * in DatabaseConfig is the hook this needs.
     */
    @Test
    void aMultiHostUrlWithTargetServerTypePrimaryFollowsAPromotion() throws Exception {
        List<LocalPostgres> made = createAll(List.of(new String[] {"mhp", "wal_level = replica"},
                new String[] {"mhs"}));
        LocalPostgres primaryServer = made.get(0);
        LocalPostgres standbyServer = made.get(1);
        primaryServer.start();
        standbyServer.becomeStandbyOf(primaryServer);
        standbyServer.start();
        DatabaseConfig config = DatabaseConfig.builder(DatabaseType.POSTGRESQL).name("multihost")
                .host("127.0.0.1:" + primaryServer.port() + ",127.0.0.1").port(standbyServer.port())
                .database("postgres").username("postgres").poolSize(4).acquireTimeout(Duration.ofSeconds(2))
                .connectTimeout(Duration.ofSeconds(1)).statementTimeout(Duration.ofSeconds(5))
                .property("targetServerType", "primary").property("hostRecheckSeconds", "2")
                .property("socketTimeout", "10").build();
        Database database = Database.create(config);
        String table = TestDatabases.table("mh");
        Load load = new Load(database, 4, 0, table);
        try {
            database.execute("CREATE TABLE " + table + " (id BIGINT PRIMARY KEY, writer INT NOT NULL)");
            assertThat(database.query("SELECT inet_server_port()", Map.of(), Integer.class))
                    .containsExactly(primaryServer.port());
            load.start();
            waitFor(Duration.ofSeconds(10), () -> load.acknowledged.size() >= 100);

            primaryServer.crash();
            long killedAt = System.nanoTime();
            standbyServer.promote();
            waitFor(Duration.ofSeconds(20), () -> load.firstWriteSuccessStartedAfter(killedAt).isPresent());
            long firstWriteOkAt = load.firstWriteSuccessStartedAfter(killedAt).orElseThrow();
            load.stop();

            List<Op> failed = load.failuresBetween(killedAt, firstWriteOkAt);
            List<Long> failedNanos = failed.stream().map(op -> op.end - op.start).sorted().toList();
            Map<String, Long> codes = failed.stream().collect(Collectors.groupingBy(op -> op.code + "/" + op.status,
                    TreeMap::new, Collectors.counting()));
            figure("pgjdbc multi-host (targetServerType=primary, hostRecheckSeconds=2, no DatabaseCluster): first "
                    + "write succeeded %d ms after the kill; %d failed calls before that (p50 %.1f ms, max %.0f ms) %s",
                    millis(firstWriteOkAt - killedAt), failed.size(), percentileMs(failedNanos, 0.5),
                    percentileMs(failedNanos, 1.0), codes);

            assertThat(database.query("SELECT inet_server_port()", Map.of(), Integer.class))
                    .containsExactly(standbyServer.port());
        } finally {
            load.stop();
            database.close();
        }
    }

    // ---- load and history ------------------------------------------------------------------------------------

    /** One recorded call. */
    record Op(String kind, long start, long end, boolean ok, String code, int status, long id) {
    }

    /**
     * Writers insert rows with unique ids into {@code table} (or, without a table, every worker runs SELECT 1);
     * readers count the rows. Each call is recorded; acknowledged insert ids are kept.
     */
    static final class Load {
        private final Database database;
        private final int writers;
        private final int readers;
        private final String table;
        private final AtomicBoolean running = new AtomicBoolean();
        private final AtomicLong ids = new AtomicLong();
        private final List<Thread> threads = new ArrayList<>();
        final Collection<Op> history = new ConcurrentLinkedQueue<>();
        final Set<Long> acknowledged = ConcurrentHashMap.newKeySet();

        Load(Database database, int writers, int readers, String table) {
            this.database = database;
            this.writers = writers;
            this.readers = readers;
            this.table = table;
        }

        void start() {
            running.set(true);
            for (int i = 0; i < writers; i++) {
                int writer = i;
                threads.add(Thread.ofVirtual().name("load-writer-" + i).start(() -> loop(() -> write(writer))));
            }
            for (int i = 0; i < readers; i++) {
                threads.add(Thread.ofVirtual().name("load-reader-" + i).start(() -> loop(this::read)));
            }
        }

        private void loop(Runnable call) {
            while (running.get()) {
                call.run();
                try {
                    Thread.sleep(2);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }

        private void write(int writer) {
            if (table == null) {
                record("select", 0, () -> database.query("SELECT 1", Map.of(), Integer.class));
                return;
            }
            long id = ids.incrementAndGet();
            if (record("write", id, () -> database.insert(table, Map.of("id", id, "writer", writer)).execute())) {
                acknowledged.add(id);
            }
        }

        private void read() {
            record("read", 0, () -> database.query("SELECT count(*) FROM " + table, Map.of(), Long.class));
        }

        private boolean record(String kind, long id, Runnable call) {
            long start = System.nanoTime();
            try {
                call.run();
                history.add(new Op(kind, start, System.nanoTime(), true, "ok", 200, id));
                return true;
            } catch (WeftException e) {
                history.add(new Op(kind, start, System.nanoTime(), false, e.code(), e.httpStatus(), id));
            } catch (RuntimeException e) {
                history.add(new Op(kind, start, System.nanoTime(), false, e.getClass().getSimpleName(), 500, id));
            }
            return false;
        }

        void stop() throws InterruptedException {
            running.set(false);
            for (Thread thread : threads) {
                thread.join(Duration.ofSeconds(10));
            }
        }

        long successes() {
            return history.stream().filter(Op::ok).count();
        }

        Optional<Long> firstSuccessStartedAfter(long nanos) {
            return history.stream().filter(op -> op.ok && op.start >= nanos).map(Op::end).min(Long::compare);
        }

        Optional<Long> firstWriteSuccessStartedAfter(long nanos) {
            return history.stream().filter(op -> op.ok && op.kind.equals("write") && op.start >= nanos).map(Op::end)
                    .min(Long::compare);
        }

        List<Op> failuresBetween(long from, long to) {
            return history.stream().filter(op -> !op.ok && op.end >= from && op.start <= to).toList();
        }

        List<Long> failedWriteIds() {
            return history.stream().filter(op -> !op.ok && op.kind.equals("write")).map(Op::id).toList();
        }
    }

    // ---- helpers ---------------------------------------------------------------------------------------------

    private static void waitFor(Duration limit, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within " + limit.toMillis() + " ms");
            }
            Thread.sleep(10);
        }
    }

    private static String outcome(Runnable call) {
        try {
            call.run();
            return "ok";
        } catch (WeftException e) {
            return e.code() + " (" + e.httpStatus() + ")";
        }
    }

    private static long millis(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(nanos);
    }

    private static void figure(String format, Object... args) {
        System.out.println("FAILOVER-FIGURES " + String.format(java.util.Locale.ROOT, format, args));
    }
}
