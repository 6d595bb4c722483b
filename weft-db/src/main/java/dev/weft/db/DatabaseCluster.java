package dev.weft.db;

import dev.weft.core.Checks;
import dev.weft.core.InvalidConfigException;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * A {@link Database} with failover: a primary and ordered failovers, each a full {@code Database} with its own
 * pool, watched by a background health checker. Every call goes to the <em>current</em> member; the guides'
 * {@code DatabaseConnectionPool} with failover.
 *
 * {@snippet :
 * DatabaseCluster cluster = DatabaseCluster.builder()
 *         .primary(Database.create(primaryConfig))            // named "primary"
 *         .failover(Database.create(standbyConfig))           // named "standby-1"
 *         .failBack(false)                                    // a promoted standby stays in charge
 *         .checkInterval(Duration.ofMillis(500))
 *         .build();
 * List<User> users = cluster.query("SELECT id, email FROM users", Map.of(), User.class);
 * }
 *
 * <h2>Health checking</h2>
 * A virtual thread probes every member in parallel once per {@linkplain Builder#checkInterval(Duration) check
 * interval} with {@link Database#health(Duration)} bounded by the {@linkplain Builder#probeTimeout(Duration) probe
 * timeout}, and, with {@linkplain Builder#requireWritable(boolean) requireWritable} (the default), also asks
 * whether the server accepts writes ({@code pg_is_in_recovery()} on PostgreSQL, {@code @@global.read_only} on
 * MariaDB/MySQL): a standby that has not been promoted yet is not a usable target for writes. A small hysteresis
 * keeps one slow probe from causing a switch: a healthy member is marked down after
 * {@linkplain Builder#failureThreshold(int) failureThreshold} consecutive failed probes (default 2), a down member is
 * marked up after {@linkplain Builder#recoveryThreshold(int) recoveryThreshold} consecutive good ones (default 2).
 * The first probe round runs inside {@link Builder#build()}, without hysteresis and with at least
 * {@link Database#DEFAULT_HEALTH_TIMEOUT} (it opens each member's first connection), so a cluster starts knowing
 * which members answer. With the defaults (1 s interval, 1 s probe timeout, 2 failures) a dead primary is left
 * within about 3 s; measured with a 250 ms interval and 500 ms probe timeout, about 1 s.
 *
 * <p>When a member is marked down its pool is {@linkplain Database#purgePool() purged}, so no connection to a dead
 * server is handed out later. While its server does not answer, a member opened by weft (not a custom
 * {@code Database} implementation) keeps no connections and is probed with connections of its own, outside its
 * pool, so that it serves again about two probe intervals after it answers (the pool's own reconnect backoff grows
 * to 5 s during an outage; calls still waiting in the member's pool keep it growing, so give members a short
 * {@linkplain PoolConfig#acquireTimeout() acquire timeout}). New work goes to the first healthy member in order
 * (primary, then failovers as added). With {@linkplain Builder#failBack(boolean) fail-back} on (the default), a
 * healthy member earlier in the order takes over again as soon as it is marked up; with it off, the cluster stays
 * on its current member while that one is healthy. Turn fail-back off when the failover is a promoted streaming
 * standby: the old primary, once restarted, holds a diverged history and must not receive writes again. Each
 * switch is logged at WARN with the members it went from and to, counted in {@link ClusterStatus#switches()}
 * and, with a {@code MeterRegistry}, in the counter {@code weft.db.cluster.switches} (tags {@code cluster},
 * {@code from}, {@code to}). While no member is healthy every call fails at once with
 * {@link DatabaseUnavailableException} (HTTP 503) instead of waiting out a pool timeout; that state is logged at
 * ERROR and counted in {@link ClusterStatus#outages()}.
 *
 * <h2>What a switch does not do</h2>
 * Builders ({@link #statement(String)}, {@link #insert(String, java.util.Map)}, ...) come from the member current
 * when they are created and run there. A transaction stays on the member it started on: a call made through the
 * cluster inside {@link #inTransaction(Isolation, TransactionCallback)} goes to that member even after a switch.
 * Calls already waiting in a failed member's pool when it is marked down fail when that pool gives up (its
 * acquire timeout, or their {@link dev.weft.core.Deadline}), unless the member's own fail-fast checker (see
 * {@link Database#lastHealth()}) wakes them first, as it usually does for a server that refuses connections; so
 * keep the members' acquire timeouts short: while they wait, HikariCP keeps retrying the dead
 * server with a delay that doubles from 10 ms up to 5 s, and a member that returns before they gave up can take up
 * to one such delay longer to serve. Query metrics, pool status and the query cache are the current member's;
 * build the members with one shared {@link DatabaseBuilder#queryCache(dev.weft.cache.Cache)} if cached results
 * should survive a switch.
 *
 * <h2>The alternative: a pgjdbc multi-host URL</h2>
 * For PostgreSQL the driver itself can choose the primary among several hosts:
 * {@code jdbc:postgresql://h:p1,h:p2/db?targetServerType=primary&hostRecheckSeconds=2}. Each new connection then
 * goes to whichever host is a writable primary now (pgjdbc caches a host's role for {@code hostRecheckSeconds}).
 * It needs no background thread and follows a promotion without configuration, but it knows nothing of the pool:
 * connections to the dead primary stay in the pool until they fail, callers block for the pool's acquire timeout
 * while no host is primary, there is no fail-back policy, switch log or count, and it works for PostgreSQL only.
 * Set {@code socketTimeout} with it, or a connection to a dead peer can hang for a long time. A {@code DatabaseConfig}
 * names one host and port, so weft does not yet build such a URL; a raw JDBC URL override in {@code DatabaseConfig}
 * would allow it. A cluster can also use it: one member per such URL.
 *
 * <p>Thread-safe: share one instance. The checker is the only writer of the cluster's state; calls read the
 * current member from a volatile field and never wait for the checker. {@link #close()} stops the checker and
 * closes every member; it is idempotent.
 */
public interface DatabaseCluster extends Database {
    /** Default {@link Builder#name(String)}. */
    String DEFAULT_NAME = "cluster";
    /** Default {@link Builder#checkInterval(Duration)}. */
    Duration DEFAULT_CHECK_INTERVAL = Duration.ofSeconds(1);
    /** Default {@link Builder#probeTimeout(Duration)}. */
    Duration DEFAULT_PROBE_TIMEOUT = Duration.ofSeconds(1);
    /** Default {@link Builder#failureThreshold(int)}. */
    int DEFAULT_FAILURE_THRESHOLD = 2;
    /** Default {@link Builder#recoveryThreshold(int)}. */
    int DEFAULT_RECOVERY_THRESHOLD = 2;

    /** @return a builder with every default set and no members yet */
    static Builder builder() {
        return new Builder();
    }

    /** @return the members, the current one and the switch count now; never blocks */
    ClusterStatus clusterStatus();

    /**
     * Returns the member that new work goes to now. Most callers never need it: every {@code Database} method of the
     * cluster delegates to it.
     *
     * @return the current member
     * @throws DatabaseUnavailableException if no member is healthy or the cluster is closed
     */
    Database current();

    /** @return the cluster's name (not a member's), used in logs, metric tags and errors */
    @Override
    String name();

    /**
     * Builds a {@link DatabaseCluster}. Setters may be called once each; {@link #failover(Database)} once per
     * failover, in order. Not thread-safe; use it on one thread.
     */
    final class Builder {
        private @Nullable String name;
        private @Nullable Database primary;
        private final List<Database> failovers = new ArrayList<>();
        private @Nullable Boolean failBack;
        private @Nullable Duration checkInterval;
        private @Nullable Duration probeTimeout;
        private @Nullable Integer failureThreshold;
        private @Nullable Integer recoveryThreshold;
        private @Nullable Boolean requireWritable;
        private @Nullable MeterRegistry registry;
        private boolean startChecker = true;

        Builder() {
        }

        private static <T> T once(@Nullable Object previous, String setting, T value) {
            if (previous != null) {
                throw new InvalidConfigException(setting, value, "is already set");
            }
            return Objects.requireNonNull(value, setting);
        }

        /**
         * @param value the cluster's name for logs, metric tags and errors; default {@value DatabaseCluster#DEFAULT_NAME}
         * @return this
         */
        public Builder name(String value) {
            this.name = once(name, "weft.db.cluster.name", value);
            return this;
        }

        /**
         * @param database the preferred member; the cluster owns it and closes it
         * @return this
         */
        public Builder primary(Database database) {
            this.primary = once(primary, "weft.db.cluster.primary", database);
            return this;
        }

        /**
         * Adds a failover, tried after the primary and the failovers added before it.
         *
         * @param database the member; the cluster owns it and closes it
         * @return this
         */
        public Builder failover(Database database) {
            failovers.add(Objects.requireNonNull(database, "database"));
            return this;
        }

        /**
         * @param value whether to go back to an earlier member (the primary first) once it is healthy again;
         *     default {@code true}. Turn it off for a promoted streaming standby (see the class comment).
         * @return this
         */
        public Builder failBack(boolean value) {
            this.failBack = once(failBack, "weft.db.cluster.fail-back", value);
            return this;
        }

        /**
         * @param value how often every member is probed; at least 50 ms; default 1 s
         * @return this
         */
        public Builder checkInterval(Duration value) {
            this.checkInterval = once(checkInterval, "weft.db.cluster.check-interval", value);
            return this;
        }

        /**
         * @param value the longest one probe of one member may take; at least 50 ms; default 1 s
         * @return this
         */
        public Builder probeTimeout(Duration value) {
            this.probeTimeout = once(probeTimeout, "weft.db.cluster.probe-timeout", value);
            return this;
        }

        /**
         * @param value consecutive failed probes that mark a healthy member down; at least 1; default 2
         * @return this
         */
        public Builder failureThreshold(int value) {
            this.failureThreshold = once(failureThreshold, "weft.db.cluster.failure-threshold", value);
            return this;
        }

        /**
         * @param value consecutive good probes that mark a down member up; at least 1; default 2
         * @return this
         */
        public Builder recoveryThreshold(int value) {
            this.recoveryThreshold = once(recoveryThreshold, "weft.db.cluster.recovery-threshold", value);
            return this;
        }

        /**
         * @param value whether a member must accept writes to count as healthy (a standby in recovery does not);
         *     default {@code true}. Turn it off for a cluster of read replicas.
         * @return this
         */
        public Builder requireWritable(boolean value) {
            this.requireWritable = once(requireWritable, "weft.db.cluster.require-writable", value);
            return this;
        }

        /**
         * @param value where to count switches ({@code weft.db.cluster.switches}); none by default
         * @return this
         */
        public Builder meterRegistry(MeterRegistry value) {
            this.registry = once(registry, "weft.db.cluster.meter-registry", value);
            return this;
        }

        /** For tests: build without the background checker, and drive probe rounds by hand. */
        Builder withoutChecker() {
            this.startChecker = false;
            return this;
        }

        /**
         * Runs a first probe round (at most the probe timeout) and starts the checker.
         *
         * @return the cluster; close it when done (this closes the members)
         * @throws InvalidConfigException if no primary is set, a setting is out of range, or two members share a
         *     name or an instance
         */
        public DatabaseCluster build() {
            String clusterName = name != null ? name : DEFAULT_NAME;
            Checks.required("weft.db.cluster.primary", primary);
            List<Database> members = new ArrayList<>();
            members.add(primary);
            members.addAll(failovers);
            Set<String> names = new HashSet<>();
            Set<Database> instances = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
            for (Database member : members) {
                if (!names.add(member.name())) {
                    throw new InvalidConfigException("weft.db.cluster.members", member.name(),
                            "two members share this name; give each Database its own name");
                }
                if (!instances.add(member)) {
                    throw new InvalidConfigException("weft.db.cluster.members", member.name(),
                            "the same Database is added twice");
                }
            }
            Duration interval = Checks.atLeast("weft.db.cluster.check-interval",
                    checkInterval != null ? checkInterval : DEFAULT_CHECK_INTERVAL, Duration.ofMillis(50));
            Duration timeout = Checks.atLeast("weft.db.cluster.probe-timeout",
                    probeTimeout != null ? probeTimeout : DEFAULT_PROBE_TIMEOUT, Duration.ofMillis(50));
            int failures = Checks.atLeast("weft.db.cluster.failure-threshold",
                    failureThreshold != null ? failureThreshold : DEFAULT_FAILURE_THRESHOLD, 1);
            int recoveries = Checks.atLeast("weft.db.cluster.recovery-threshold",
                    recoveryThreshold != null ? recoveryThreshold : DEFAULT_RECOVERY_THRESHOLD, 1);
            FailoverCluster.Settings settings = new FailoverCluster.Settings(clusterName,
                    failBack == null || failBack, interval, timeout, failures, recoveries,
                    requireWritable == null || requireWritable);
            return FailoverCluster.start(settings, members, registry, startChecker);
        }
    }
}
