package dev.weft.db;

import dev.weft.core.WeftException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The health checking of a {@link FailoverCluster}: probes every member each round (in parallel, each bounded by the
 * probe timeout), applies the failure/recovery hysteresis, holds a down member's pool on stand-by, and picks the
 * current member. Its rounds run on one {@link ProbeLoop} thread, the only writer of the members' state and of
 * {@link #current()}, so no lock is needed: readers see volatile fields.
 */
final class ClusterChecker {
    private static final Logger log = LoggerFactory.getLogger(DatabaseCluster.class);
    /** The probe error of a member that answers but does not take writes. */
    private static final String READ_ONLY = "read_only";

    /** The outcome of one probe of one member. */
    record Probe(boolean up, Duration latency, @Nullable String error) {
    }

    private final FailoverCluster.Settings settings;
    private final List<ClusterMember> members;
    private final @Nullable MeterRegistry registry;
    private final ExecutorService executor;
    private final AtomicLong switches = new AtomicLong();
    private final AtomicLong outages = new AtomicLong();
    private volatile @Nullable ClusterMember current;
    /** The member that served last, kept across an outage so that its return is not counted as a switch. */
    private @Nullable ClusterMember lastServing;
    private volatile boolean closed;

    ClusterChecker(FailoverCluster.Settings settings, List<Database> databases, @Nullable MeterRegistry registry,
            ExecutorService executor) {
        this.settings = settings;
        List<ClusterMember> list = new ArrayList<>();
        for (int i = 0; i < databases.size(); i++) {
            list.add(new ClusterMember(databases.get(i),
                    i == 0 ? ClusterStatus.Role.PRIMARY : ClusterStatus.Role.FAILOVER));
        }
        this.members = List.copyOf(list);
        this.registry = registry;
        this.executor = executor;
    }

    List<ClusterMember> members() {
        return members;
    }

    /** @return the member calls go to, or {@code null} while none is healthy */
    @Nullable ClusterMember current() {
        return current;
    }

    long switches() {
        return switches.get();
    }

    long outages() {
        return outages.get();
    }

    /** Stops deciding: a round in progress changes nothing more, and no member is current. */
    void close() {
        closed = true;
        current = null;
    }

    /** The first round decides each member's state directly, without hysteresis. */
    void initialRound() {
        // The first probe opens each member's first connection (and loads the driver): allow it more time.
        Duration timeout = settings.probeTimeout().compareTo(Database.DEFAULT_HEALTH_TIMEOUT) > 0
                ? settings.probeTimeout() : Database.DEFAULT_HEALTH_TIMEOUT;
        List<Probe> probes = probeAll(timeout);
        for (int i = 0; i < members.size(); i++) {
            ClusterMember member = members.get(i);
            Probe probe = probes.get(i);
            record(member, probe);
            member.healthy = probe.up();
            if (!probe.up()) {
                holdPool(member, probe);
            }
            member.consecutiveSuccesses = probe.up() ? 1 : 0;
            member.consecutiveFailures = probe.up() ? 0 : 1;
        }
        ClusterMember chosen = choose();
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
        if (closed) {
            return;
        }
        for (int i = 0; i < members.size(); i++) {
            apply(members.get(i), probes.get(i));
        }
        ClusterMember chosen = choose();
        ClusterMember previous = current;
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
        ClusterMember from = previous != null ? previous : lastServing;
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

    private String reason(ClusterMember from, ClusterMember to) {
        if (!from.healthy) {
            return "member down: " + Optional.ofNullable(from.lastError).orElse("unknown");
        }
        return members.indexOf(to) < members.indexOf(from) ? "fail back" : "member order";
    }

    private void apply(ClusterMember member, Probe probe) {
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
                        .addKeyValue("error.message", probe.error()).addKeyValue("failures", member.consecutiveFailures)
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
    private static void holdPool(ClusterMember member, Probe probe) {
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

    private static void record(ClusterMember member, Probe probe) {
        member.lastLatency = probe.latency();
        member.lastError = probe.error();
        member.lastCheck = Instant.now();
    }

    private @Nullable ClusterMember choose() {
        ClusterMember now = current;
        if (!settings.failBack() && now != null && now.healthy) {
            return now;
        }
        for (ClusterMember member : members) {
            if (member.healthy) {
                return member;
            }
        }
        return null;
    }

    private List<Probe> probeAll(Duration timeout) {
        List<CompletableFuture<Probe>> futures = new ArrayList<>();
        for (ClusterMember member : members) {
            futures.add(CompletableFuture.supplyAsync(() -> probe(member, timeout), executor));
        }
        List<Probe> probes = new ArrayList<>();
        // each probe bounds itself; the margin only guards against a probe thread that is not scheduled
        long deadline = System.nanoTime() + timeout.toNanos() + TimeUnit.MILLISECONDS.toNanos(200);
        for (CompletableFuture<Probe> future : futures) {
            probes.add(DirectProbe.await(future, deadline, error -> new Probe(false, timeout, error)));
        }
        return probes;
    }

    /**
     * {@link Database#health(Duration)}, then whether the server takes writes; bounded by the probe timeout. A
     * member held down is probed {@linkplain #probeDirectly directly} instead, outside its pool.
     */
    private Probe probe(ClusterMember member, Duration timeout) {
        DirectProbe direct = member.direct;
        if (member.standingBy && direct != null) {
            return probeDirectly(member, direct, timeout);
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
                    return new Probe(false, DirectProbe.since(start), READ_ONLY);
                }
            } catch (TimeoutException e) {
                return new Probe(false, timeout, "timeout");
            } catch (ExecutionException e) {
                // unlike DirectProbe.await, the failed query's own code is the verdict here
                String code = e.getCause() instanceof WeftException weft ? weft.code() : "internal_error";
                return new Probe(false, DirectProbe.since(start), code);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return new Probe(false, DirectProbe.since(start), "interrupted");
            }
        }
        return new Probe(true, health.latency(), null);
    }

    /**
     * Probes a member held down over a connection of its own ({@link DirectProbe}), with the same verdicts as
     * {@link #probe}: up, down with the error's code, or {@code read_only}.
     */
    private Probe probeDirectly(ClusterMember member, DirectProbe direct, Duration timeout) {
        String readOnlyQuery = settings.requireWritable() ? readOnlyQuery(member.database.type()) : null;
        DirectProbe.Outcome outcome = direct.run(readOnlyQuery != null ? readOnlyQuery : "SELECT 1", timeout, timeout);
        return switch (outcome) {
            case null -> new Probe(false, timeout, "timeout"); // the last probe is still connecting to a silent server
            case DirectProbe.Answered answered -> {
                member.directFailureLogged = false;
                yield readOnlyQuery != null && isTrue(answered.value())
                        ? new Probe(false, answered.latency(), READ_ONLY) : new Probe(true, answered.latency(), null);
            }
            case DirectProbe.Failed failed -> {
                if (!member.directFailureLogged) {
                    member.directFailureLogged = true; // once per run of failures: the checker retries every tick
                    Exception e = failed.failure();
                    log.atInfo().setMessage("database cluster member does not answer a direct probe yet")
                            .addKeyValue("cluster", settings.name()).addKeyValue("member", member.name())
                            .addKeyValue("error.message", e.getClass().getSimpleName() + ": " + e.getMessage()).log();
                }
                yield new Probe(false, failed.latency(), "database_unavailable");
            }
            case DirectProbe.NoAnswer none -> new Probe(false, none.latency(), none.error());
        };
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

    String describeMembers() {
        StringBuilder text = new StringBuilder();
        for (ClusterMember member : members) {
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

    /** @return the names of the members whose pool is on stand-by now (for tests) */
    List<String> membersOnStandBy() {
        return members.stream().filter(member -> member.standingBy).map(ClusterMember::name).toList();
    }
}
