package dev.weft.db;

import dev.weft.core.InstanceName;
import dev.weft.core.VirtualThreads;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link DatabaseCluster} implementation: calls read one volatile current member, chosen by the
 * {@link ClusterChecker} whose rounds run on a {@link ProbeLoop}, and delegate to it; a transaction is pinned to
 * the member it began on. Thread-safe.
 */
final class FailoverCluster implements DatabaseCluster {
    private static final Logger log = LoggerFactory.getLogger(DatabaseCluster.class);

    /** The member a transaction started on, so calls through the cluster inside it stay there after a switch. */
    private static final ScopedValue<Database> PINNED = ScopedValue.newInstance();

    record Settings(String name, boolean failBack, Duration checkInterval, Duration probeTimeout,
            int failureThreshold, int recoveryThreshold, boolean requireWritable) {
        Settings {
            InstanceName.check("weft.db.cluster.name", name);
        }
    }

    private final Settings settings;
    private final ClusterChecker checker;
    private final List<ClusterMember> members;
    private final ExecutorService executor;
    private final AsyncView async;
    private final AtomicBoolean closed = new AtomicBoolean();
    private @Nullable ProbeLoop loop;

    private FailoverCluster(Settings settings, List<Database> databases, @Nullable MeterRegistry registry) {
        this.settings = settings;
        this.executor = VirtualThreads.newExecutor("weft-db-cluster-" + settings.name());
        this.checker = new ClusterChecker(settings, databases, registry, executor);
        this.members = checker.members();
        this.async = new AsyncView(this, executor);
    }

    static FailoverCluster start(Settings settings, List<Database> databases, @Nullable MeterRegistry registry,
            boolean startChecker) {
        FailoverCluster cluster = new FailoverCluster(settings, databases, registry);
        cluster.checker.initialRound();
        if (startChecker) {
            cluster.loop = new ProbeLoop("weft-db-cluster-" + settings.name() + "-checker", settings.checkInterval(),
                    ProbeLoop.Pace.FIXED_RATE, hinted -> cluster.checker.checkRound(), e -> log.atError()
                            .setMessage("database cluster health round failed").addKeyValue("cluster", settings.name())
                            .setCause(e).log());
        }
        log.atInfo().setMessage("database cluster started").addKeyValue("cluster", settings.name())
                .addKeyValue("members", cluster.members.stream().map(ClusterMember::name).toList())
                .addKeyValue("current", cluster.currentName())
                .addKeyValue("fail_back", settings.failBack())
                .addKeyValue("check_interval_ms", settings.checkInterval().toMillis())
                .addKeyValue("probe_timeout_ms", settings.probeTimeout().toMillis()).log();
        return cluster;
    }

    /** One health round now (tests drive the checker by hand). */
    void checkRound() {
        checker.checkRound();
    }

    private String describeMembers() {
        return checker.describeMembers();
    }

    private String currentName() {
        ClusterMember now = checker.current();
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
        ClusterMember now = checker.current();
        if (now == null) {
            throw new DatabaseUnavailableException("cluster '" + settings.name() + "': no healthy member ("
                    + describeMembers() + ")", null, null);
        }
        return now.database;
    }

    @Override
    public ClusterStatus clusterStatus() {
        ClusterMember now = checker.current();
        List<ClusterStatus.Member> list = new ArrayList<>();
        for (ClusterMember member : members) {
            list.add(new ClusterStatus.Member(member.name(), member.role, member.healthy, member == now,
                    member.lastLatency, Optional.ofNullable(member.lastError), Optional.ofNullable(member.lastCheck),
                    member.consecutiveFailures));
        }
        return new ClusterStatus(settings.name(), Optional.ofNullable(now).map(ClusterMember::name),
                checker.switches(), checker.outages(), settings.failBack(), list);
    }

    @Override
    public Query statement(String sql) {
        return current().statement(sql);
    }

    /** One reader per member, built up front (so bad names fail now); each call reads the current member's. */
    @Override
    public <K, T> KeyedReader<K, T> keyed(String table, String keyColumn, Class<K> keyType, Class<T> rowType,
            String... columns) {
        Map<Database, KeyedReader<K, T>> readers = new java.util.IdentityHashMap<>();
        for (ClusterMember member : members) {
            readers.put(member.database, member.database.keyed(table, keyColumn, keyType, rowType, columns));
        }
        return new KeyedReader<>() {
            @Override
            public Optional<T> find(K key) {
                return reader().find(key);
            }

            @Override
            public Map<K, T> findAll(java.util.Collection<? extends K> keys) {
                return reader().findAll(keys);
            }

            private KeyedReader<K, T> reader() {
                return java.util.Objects.requireNonNull(readers.get(current()), "member reader");
            }
        };
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
    public <T> T withConnection(ConnectionCallback<T> work) {
        if (PINNED.isBound()) {
            // inside a transaction, which is pinned to its member: the member's own check refuses it
            return PINNED.get().withConnection(work);
        }
        return current().withConnection(work);
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
        ClusterMember now = checker.current();
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
        ClusterMember now = checker.current();
        if (closed.get() || now == null) {
            return new Health(false, Duration.ZERO, Optional.of("database_unavailable"),
                    Map.of("cluster", settings.name(), "members", describeMembers()));
        }
        Map<String, Object> details = new java.util.LinkedHashMap<>();
        details.put("cluster", settings.name());
        details.put("member", now.name());
        Instant checked = now.lastCheck;
        if (checked != null) {
            details.put("checked_at", Health.timestamp(checked));
        }
        return new Health(true, now.lastLatency, Optional.empty(), details);
    }

    /** Probes the current member; unhealthy without a probe while no member is healthy. */
    @Override
    public Health health(Duration timeout) {
        ClusterMember now = checker.current();
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
        for (ClusterMember member : members) {
            member.database.purgePool();
        }
    }

    @Override
    public dev.weft.cache.Cache queryCache() {
        ClusterMember now = checker.current();
        return (now != null ? now : members.getFirst()).database.queryCache();
    }

    /** Invalidates on every member (their caches may differ); returns the largest count. */
    @Override
    public long invalidateQueryCache(String tablePattern) {
        long matched = 0;
        for (ClusterMember member : members) {
            matched = Math.max(matched, member.database.invalidateQueryCache(tablePattern));
        }
        return matched;
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        checker.close();
        ProbeLoop running = loop;
        if (running != null) {
            running.close(settings.probeTimeout().plusSeconds(1));
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
        log.atInfo().setMessage("database cluster closed").addKeyValue("cluster", settings.name())
                .addKeyValue("switches", checker.switches()).log();
        if (failure != null) {
            throw failure;
        }
    }

    /** @return the names of the members whose pool is on stand-by now (for tests) */
    List<String> membersOnStandBy() {
        return checker.membersOnStandBy();
    }

    @Override
    public String toString() {
        return "DatabaseCluster[" + settings.name() + ", current=" + currentName() + "]";
    }
}
