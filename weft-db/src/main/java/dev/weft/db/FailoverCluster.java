package dev.weft.db;

import dev.weft.core.InvalidConfigException;
import dev.weft.core.VirtualThreads;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link DatabaseCluster} implementation. One virtual thread (the checker) probes the members, updates their
 * state and picks the current member; it is the only writer of that state, so no lock is needed: members' fields
 * are volatile for the readers ({@link #clusterStatus()}), and {@link #current} is a volatile reference read by
 * every call.
 */
final class FailoverCluster implements DatabaseCluster {
    private static final Logger log = LoggerFactory.getLogger(DatabaseCluster.class);
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.-]{1,64}");
    /** The probe error of a member that answers but does not take writes. */
    private static final String READ_ONLY = "read_only";

    /** The member a transaction started on, so calls through the cluster inside it stay there after a switch. */
    private static final ScopedValue<Database> PINNED = ScopedValue.newInstance();

    record Settings(String name, boolean failBack, Duration checkInterval, Duration probeTimeout,
            int failureThreshold, int recoveryThreshold, boolean requireWritable) {
        Settings {
            if (!NAME.matcher(name).matches()) {
                throw new InvalidConfigException("weft.db.cluster.name", name, "must match " + NAME.pattern());
            }
        }
    }

    /** A member and what the checker knows of it. Written by the checker only. */
    static final class Member {
        final Database database;
        final ClusterStatus.Role role;
        volatile boolean healthy;
        volatile Duration lastLatency = Duration.ZERO;
        volatile @Nullable String lastError;
        volatile @Nullable Instant lastCheck;
        volatile int consecutiveFailures;
        int consecutiveSuccesses;
        /** Whether its pool is on {@linkplain #holdPool stand-by}, so the checker probes it directly. */
        volatile boolean standingBy;
        /** Whether a direct probe is still connecting, so that a hanging server does not pile probes up. */
        final AtomicBoolean directProbeRunning = new AtomicBoolean();
        /** Whether the current run of failed direct probes has been logged. */
        volatile boolean directFailureLogged;

        Member(Database database, ClusterStatus.Role role) {
            this.database = database;
            this.role = role;
        }

        String name() {
            return database.name();
        }
    }

    /** The outcome of one probe of one member. */
    record Probe(boolean up, Duration latency, @Nullable String error) {
    }

    private final Settings settings;
    private final List<Member> members;
    private final @Nullable MeterRegistry registry;
    private final ExecutorService executor;
    private final AsyncView async;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicLong switches = new AtomicLong();
    private final AtomicLong outages = new AtomicLong();
    private volatile @Nullable Member current;
    /** The member that served last, kept across an outage so that its return is not counted as a switch. */
    private @Nullable Member lastServing;
    private @Nullable Thread checker;

    private FailoverCluster(Settings settings, List<Database> databases, @Nullable MeterRegistry registry) {
        this.settings = settings;
        List<Member> list = new ArrayList<>();
        for (int i = 0; i < databases.size(); i++) {
            list.add(new Member(databases.get(i), i == 0 ? ClusterStatus.Role.PRIMARY : ClusterStatus.Role.FAILOVER));
        }
        this.members = List.copyOf(list);
        this.registry = registry;
        this.executor = VirtualThreads.newExecutor("weft-db-cluster-" + settings.name());
        this.async = new AsyncView(this, executor);
    }

    static FailoverCluster start(Settings settings, List<Database> databases, @Nullable MeterRegistry registry,
            boolean startChecker) {
        FailoverCluster cluster = new FailoverCluster(settings, databases, registry);
        cluster.initialRound();
        if (startChecker) {
            cluster.checker = Thread.ofVirtual().name("weft-db-cluster-" + settings.name() + "-checker")
                    .start(cluster::checkLoop);
        }
        log.atInfo().setMessage("database cluster started").addKeyValue("cluster", settings.name())
                .addKeyValue("members", cluster.members.stream().map(Member::name).toList())
                .addKeyValue("current", cluster.currentName())
                .addKeyValue("fail_back", settings.failBack())
                .addKeyValue("check_interval_ms", settings.checkInterval().toMillis())
                .addKeyValue("probe_timeout_ms", settings.probeTimeout().toMillis()).log();
        return cluster;
    }

    // ---- health checking -----------------------------------------------------------------------------------

    private void checkLoop() {
        long intervalNanos = settings.checkInterval().toNanos();
        long next = System.nanoTime();
        while (!closed.get()) {
            next += intervalNanos;
            try {
                checkRound();
            } catch (RuntimeException e) {
                // the checker must survive anything; a failed round is retried at the next tick
                log.atError().setMessage("database cluster health round failed").addKeyValue("cluster", settings.name())
                        .setCause(e).log();
            }
            long wait = next - System.nanoTime();
            if (wait <= 0) {
                next = System.nanoTime(); // the round overran: start the next one now, without a burst
                continue;
            }
            try {
                Thread.sleep(Duration.ofNanos(wait));
            } catch (InterruptedException e) {
                if (closed.get()) {
                    return;
                }
            }
        }
    }

    /** The first round decides each member's state directly, without hysteresis. */
    private void initialRound() {
        // The first probe opens each member's first connection (and loads the driver): allow it more time.
        Duration timeout = settings.probeTimeout().compareTo(DEFAULT_HEALTH_TIMEOUT) > 0 ? settings.probeTimeout()
                : DEFAULT_HEALTH_TIMEOUT;
        List<Probe> probes = probeAll(timeout);
        for (int i = 0; i < members.size(); i++) {
            Member member = members.get(i);
            Probe probe = probes.get(i);
            record(member, probe);
            member.healthy = probe.up();
            if (!probe.up()) {
                holdPool(member, probe);
            }
            member.consecutiveSuccesses = probe.up() ? 1 : 0;
            member.consecutiveFailures = probe.up() ? 0 : 1;
        }
        Member chosen = choose();
        current = chosen;
        lastServing = chosen;
        if (chosen == null) {
            outages.incrementAndGet();
            log.atError().setMessage("database cluster has no healthy member").addKeyValue("cluster", settings.name())
                    .addKeyValue("members", describeMembers()).log();
        }
    }

    /** One round: probe all members in parallel, apply the hysteresis, then pick the current member. */
    void checkRound() {
        List<Probe> probes = probeAll(settings.probeTimeout());
        if (closed.get()) {
            return;
        }
        for (int i = 0; i < members.size(); i++) {
            apply(members.get(i), probes.get(i));
        }
        Member chosen = choose();
        Member previous = current;
        if (chosen == previous) {
            return;
        }
        current = chosen;
        if (chosen == null) {
            outages.incrementAndGet();
            log.atError().setMessage("database cluster has no healthy member; calls fail fast until one recovers")
                    .addKeyValue("cluster", settings.name())
                    .addKeyValue("from", previous == null ? "none" : previous.name())
                    .addKeyValue("members", describeMembers()).log();
            return;
        }
        Member from = previous != null ? previous : lastServing;
        lastServing = chosen;
        if (from == null || from == chosen) {
            // back to the member that served before the outage, or the first member ever to serve: no switch
            log.atWarn().setMessage("database cluster serving again after an outage")
                    .addKeyValue("cluster", settings.name()).addKeyValue("to", chosen.name()).log();
            return;
        }
        long count = switches.incrementAndGet();
        String fromName = from.name();
        log.atWarn().setMessage("database cluster switched member")
                .addKeyValue("cluster", settings.name()).addKeyValue("from", fromName)
                .addKeyValue("to", chosen.name()).addKeyValue("reason", reason(from, chosen))
                .addKeyValue("switches", count).log();
        if (registry != null) {
            Counter.builder("weft.db.cluster.switches")
                    .description("Times a database cluster moved new work from one member to another")
                    .tag("cluster", settings.name()).tag("from", fromName).tag("to", chosen.name())
                    .register(registry).increment();
        }
    }

    private String reason(Member from, Member to) {
        if (!from.healthy) {
            return "member down: " + Optional.ofNullable(from.lastError).orElse("unknown");
        }
        return members.indexOf(to) < members.indexOf(from) ? "fail back" : "member order";
    }

    private void apply(Member member, Probe probe) {
        record(member, probe);
        if (probe.up()) {
            member.consecutiveFailures = 0;
            member.consecutiveSuccesses++;
            if (!member.healthy && member.consecutiveSuccesses >= settings.recoveryThreshold()) {
                member.healthy = true;
                log.atInfo().setMessage("database cluster member up").addKeyValue("cluster", settings.name())
                        .addKeyValue("member", member.name()).addKeyValue("latency_ms", probe.latency().toMillis())
                        .log();
            }
        } else {
            member.consecutiveSuccesses = 0;
            member.consecutiveFailures++;
            if (member.healthy && member.consecutiveFailures >= settings.failureThreshold()) {
                member.healthy = false;
                holdPool(member, probe); // before the purge, whose evictions would otherwise refill the pool
                // Its pooled connections point at a server that failed: drop them so none is handed out later.
                member.database.purgePool();
                log.atWarn().setMessage("database cluster member down; pool purged")
                        .addKeyValue("cluster", settings.name()).addKeyValue("member", member.name())
                        .addKeyValue("error", probe.error()).addKeyValue("failures", member.consecutiveFailures)
                        .log();
            }
        }
        if (!member.healthy || member.standingBy) {
            holdPool(member, probe); // standingBy while healthy: marked up by a direct probe (recoveryThreshold 1)
        }
    }

    /**
     * Puts a down member's pool on stand-by while its server does not answer, and back in service once it does
     * (even read-only). On stand-by a weft pool keeps no idle minimum, so it stops reconnecting once nobody waits
     * in it, and the checker probes the member with connections of its own ({@link #probeDirectly}): the pool's
     * reconnect backoff, which doubles up to 5 s during an outage, then does not delay the member's return. Only
     * the idle minimum changes here, so a server that answers directly but fails its pool probe costs no
     * connection churn.
     */
    private static void holdPool(Member member, Probe probe) {
        if (!(member.database instanceof PooledDatabase pooled)) {
            return;
        }
        boolean answers = probe.up() || READ_ONLY.equals(probe.error());
        if (!answers && !member.standingBy) {
            pooled.standBy();
            member.standingBy = true;
        } else if (answers && member.standingBy) {
            pooled.resume();
            member.standingBy = false;
        }
    }

    private static void record(Member member, Probe probe) {
        member.lastLatency = probe.latency();
        member.lastError = probe.error();
        member.lastCheck = Instant.now();
    }

    private @Nullable Member choose() {
        Member now = current;
        if (!settings.failBack() && now != null && now.healthy) {
            return now;
        }
        for (Member member : members) {
            if (member.healthy) {
                return member;
            }
        }
        return null;
    }

    private List<Probe> probeAll(Duration timeout) {
        List<CompletableFuture<Probe>> futures = new ArrayList<>();
        for (Member member : members) {
            futures.add(CompletableFuture.supplyAsync(() -> probe(member, timeout), executor));
        }
        List<Probe> probes = new ArrayList<>();
        // each probe bounds itself; the margin only guards against a probe thread that is not scheduled
        long deadline = System.nanoTime() + timeout.toNanos() + TimeUnit.MILLISECONDS.toNanos(200);
        for (CompletableFuture<Probe> future : futures) {
            probes.add(await(future, deadline, timeout));
        }
        return probes;
    }

    private static Probe await(CompletableFuture<Probe> future, long deadline, Duration timeout) {
        try {
            return future.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            return new Probe(false, timeout, "timeout");
        } catch (java.util.concurrent.ExecutionException e) {
            return new Probe(false, timeout, "internal_error");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Probe(false, Duration.ZERO, "interrupted");
        }
    }

    /**
     * {@link Database#health(Duration)}, then whether the server takes writes; bounded by the probe timeout. A
     * member held down is probed {@linkplain #probeDirectly directly} instead, outside its pool.
     */
    private Probe probe(Member member, Duration timeout) {
        if (member.standingBy && member.database instanceof PooledDatabase pooled) {
            return probeDirectly(member, pooled, timeout);
        }
        long start = System.nanoTime();
        Health health = member.database.health(timeout);
        if (!health.healthy()) {
            return new Probe(false, health.latency(), health.error().orElse("unknown"));
        }
        String readOnlyQuery = settings.requireWritable() ? readOnlyQuery(member.database.type()) : null;
        if (readOnlyQuery != null) {
            long remaining = timeout.toNanos() - (System.nanoTime() - start);
            if (remaining <= 0) {
                return new Probe(false, timeout, "timeout");
            }
            Duration left = Duration.ofNanos(remaining);
            CompletableFuture<Boolean> readOnly = CompletableFuture.supplyAsync(() -> {
                Object value = member.database.statement(readOnlyQuery).timeout(left).retry(false).list()
                        .getFirst().values().iterator().next();
                return isTrue(value);
            }, executor);
            try {
                if (readOnly.get(remaining, TimeUnit.NANOSECONDS)) {
                    return new Probe(false, Duration.ofNanos(System.nanoTime() - start), READ_ONLY);
                }
            } catch (TimeoutException e) {
                return new Probe(false, timeout, "timeout");
            } catch (java.util.concurrent.ExecutionException e) {
                String code = e.getCause() instanceof dev.weft.core.WeftException weft ? weft.code() : "internal_error";
                return new Probe(false, Duration.ofNanos(System.nanoTime() - start), code);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return new Probe(false, Duration.ofNanos(System.nanoTime() - start), "interrupted");
            }
        }
        return new Probe(true, health.latency(), null);
    }

    /**
     * Probes a member held down over a connection of its own (see {@link PooledDatabase#probeDirectly}), with
     * the same verdicts as {@link #probe}: up, down with the error's code, or {@code read_only}.
     */
    private Probe probeDirectly(Member member, PooledDatabase database, Duration timeout) {
        if (!member.directProbeRunning.compareAndSet(false, true)) {
            return new Probe(false, timeout, "timeout"); // the last probe is still connecting to a silent server
        }
        long start = System.nanoTime();
        String readOnlyQuery = settings.requireWritable() ? readOnlyQuery(database.type()) : null;
        CompletableFuture<Probe> probe = CompletableFuture.supplyAsync(() -> {
            try {
                Object value = database.probeDirectly(readOnlyQuery != null ? readOnlyQuery : "SELECT 1", timeout);
                Duration latency = Duration.ofNanos(System.nanoTime() - start);
                member.directFailureLogged = false;
                return readOnlyQuery != null && isTrue(value) ? new Probe(false, latency, READ_ONLY)
                        : new Probe(true, latency, null);
            } catch (java.sql.SQLException | RuntimeException e) {
                if (!member.directFailureLogged) {
                    member.directFailureLogged = true; // once per run of failures: the checker retries every tick
                    log.atInfo().setMessage("database cluster member does not answer a direct probe yet")
                            .addKeyValue("cluster", settings.name()).addKeyValue("member", member.name())
                            .addKeyValue("error", e.getClass().getSimpleName() + ": " + e.getMessage()).log();
                }
                return new Probe(false, Duration.ofNanos(System.nanoTime() - start), "database_unavailable");
            } finally {
                member.directProbeRunning.set(false);
            }
        }, executor);
        return await(probe, start + timeout.toNanos(), timeout);
    }

    private static boolean isTrue(@Nullable Object value) {
        return value instanceof Boolean flag ? flag : value instanceof Number number && number.longValue() != 0;
    }

    private static @Nullable String readOnlyQuery(DatabaseType type) {
        return switch (type) {
            case POSTGRESQL -> "SELECT pg_is_in_recovery()";
            case MARIADB, MYSQL -> "SELECT @@global.read_only";
            case SQLITE -> null;
        };
    }

    private String describeMembers() {
        StringBuilder text = new StringBuilder();
        for (Member member : members) {
            if (!text.isEmpty()) {
                text.append(", ");
            }
            text.append(member.name()).append(": ").append(member.healthy ? "up" : "down");
            String error = member.lastError;
            if (!member.healthy && error != null) {
                text.append(" (").append(error).append(')');
            }
        }
        return text.toString();
    }

    private String currentName() {
        Member now = current;
        return now == null ? "none" : now.name();
    }

    // ---- delegation ----------------------------------------------------------------------------------------

    @Override
    public Database current() {
        if (PINNED.isBound()) {
            return PINNED.get();
        }
        if (closed.get()) {
            throw new DatabaseUnavailableException("cluster '" + settings.name() + "' is closed", null, null);
        }
        Member now = current;
        if (now == null) {
            throw new DatabaseUnavailableException("cluster '" + settings.name() + "': no healthy member ("
                    + describeMembers() + ")", null, null);
        }
        return now.database;
    }

    @Override
    public ClusterStatus clusterStatus() {
        Member now = current;
        List<ClusterStatus.Member> list = new ArrayList<>();
        for (Member member : members) {
            list.add(new ClusterStatus.Member(member.name(), member.role, member.healthy, member == now,
                    member.lastLatency, Optional.ofNullable(member.lastError), Optional.ofNullable(member.lastCheck),
                    member.consecutiveFailures));
        }
        return new ClusterStatus(settings.name(), Optional.ofNullable(now).map(Member::name), switches.get(),
                outages.get(), settings.failBack(), list);
    }

    @Override
    public Query statement(String sql) {
        return current().statement(sql);
    }

    @Override
    public Write insert(String table, Map<String, ?> data) {
        return current().insert(table, data);
    }

    @Override
    public Write update(String table, Map<String, ?> data, Map<String, ?> where) {
        return current().update(table, data, where);
    }

    @Override
    public Write delete(String table, Map<String, ?> where) {
        return current().delete(table, where);
    }

    @Override
    public Batch batch(String sql, List<? extends Map<String, ?>> rows) {
        return current().batch(sql, rows);
    }

    @Override
    public BulkInsert bulkInsert(String table, List<String> columns, Iterable<? extends List<?>> rows) {
        return current().bulkInsert(table, columns, rows);
    }

    @Override
    public <T, X extends Exception> T inTransaction(Isolation isolation, TransactionCallback<T, X> work) throws X {
        Database member = current();
        if (PINNED.isBound()) {
            return member.inTransaction(isolation, work);
        }
        return ScopedValue.where(PINNED, member).<T, X>call(() -> member.inTransaction(isolation, work));
    }

    @Override
    public String name() {
        return settings.name();
    }

    @Override
    public DatabaseType type() {
        return members.getFirst().database.type();
    }

    /** @return the current member's config, or the primary's while none is healthy */
    @Override
    public DatabaseConfig config() {
        Member now = current;
        return (now != null ? now : members.getFirst()).database.config();
    }

    @Override
    public AsyncDatabase async() {
        return async;
    }

    @Override
    public QueryMetrics queryMetrics() {
        return current().queryMetrics();
    }

    @Override
    public PoolStatus poolStatus() {
        return current().poolStatus();
    }

    /** The checker's view: the current member's last probe, or down while no member is healthy; never blocks. */
    @Override
    public Health lastHealth() {
        Member now = current;
        if (closed.get() || now == null) {
            return new Health(false, Duration.ZERO, Optional.of("database_unavailable"),
                    Map.of("cluster", settings.name(), "members", describeMembers()));
        }
        Map<String, Object> details = new java.util.LinkedHashMap<>();
        details.put("cluster", settings.name());
        details.put("member", now.name());
        Instant checked = now.lastCheck;
        if (checked != null) {
            details.put("checked_at", checked.toString());
        }
        return new Health(true, now.lastLatency, Optional.empty(), details);
    }

    /** Probes the current member; unhealthy without a probe while no member is healthy. */
    @Override
    public Health health(Duration timeout) {
        Member now = current;
        if (closed.get() || now == null) {
            return new Health(false, Duration.ZERO, Optional.of("database_unavailable"),
                    Map.of("cluster", settings.name(), "members", describeMembers()));
        }
        Health health = now.database.health(timeout);
        Map<String, Object> details = new java.util.LinkedHashMap<>(health.details());
        details.put("cluster", settings.name());
        details.put("member", now.name());
        return new Health(health.healthy(), health.latency(), health.error(), details);
    }

    @Override
    public DatabaseInfo info() {
        return current().info();
    }

    /** Purges every member's pool. */
    @Override
    public void purgePool() {
        for (Member member : members) {
            member.database.purgePool();
        }
    }

    @Override
    public dev.weft.cache.Cache queryCache() {
        Member now = current;
        return (now != null ? now : members.getFirst()).database.queryCache();
    }

    /** Invalidates on every member (their caches may differ); returns the largest count. */
    @Override
    public long invalidateQueryCache(String tablePattern) {
        long matched = 0;
        for (Member member : members) {
            matched = Math.max(matched, member.database.invalidateQueryCache(tablePattern));
        }
        return matched;
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        Thread thread = checker;
        if (thread != null) {
            thread.interrupt();
            try {
                thread.join(settings.probeTimeout().plusSeconds(1));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        RuntimeException failure = null;
        for (int i = members.size() - 1; i >= 0; i--) {
            try {
                members.get(i).database.close();
            } catch (RuntimeException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        // not close(): that would wait for probes still blocked in a dead member's pool
        executor.shutdownNow();
        current = null;
        log.atInfo().setMessage("database cluster closed").addKeyValue("cluster", settings.name())
                .addKeyValue("switches", switches.get()).log();
        if (failure != null) {
            throw failure;
        }
    }

    /** @return the names of the members whose pool is on stand-by now (for tests) */
    List<String> membersOnStandBy() {
        return members.stream().filter(member -> member.standingBy).map(Member::name).toList();
    }

    @Override
    public String toString() {
        return "DatabaseCluster[" + settings.name() + ", current=" + currentName() + "]";
    }
}
