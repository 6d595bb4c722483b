package dev.weft.db;

import dev.weft.db.internal.ConnectionPool;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import java.util.Objects;

/**
 * The fail-fast state of one server database (PostgreSQL, MariaDB, MySQL): a virtual thread that knows whether the
 * server answers, so that calls fail at once with 503 while it does not instead of each waiting out the pool.
 * The same design as {@link FailoverCluster}'s checker for its members, for a database on its own: <em>direct</em>
 * probes (a connection of its own, outside the pool, {@link PooledDatabase#probeDirectly}) that stand apart from the
 * pool, so a saturated pool is never taken for a dead server, and probes never show in query metrics or pool counts.
 *
 * <ul>
 *   <li>Up: a probe once per {@link #UP_INTERVAL}, and at once when a call lost its connection or could not open
 *   one ({@link ConnectionPool#suspect()}) or callers wait inside HikariCP across two ticks (it is opening
 *   connections). A refusal (port closed, reset, "starting up", login rejected) marks the database down at once; a
 *   timeout only on the second in a row ({@link #TIMEOUTS_TO_MARK_DOWN}); a server that refuses for load ("too many
 *   connections") answers, so it is not down.</li>
 *   <li>Down ({@link ConnectionPool#markDown}): every borrow fails at once with {@code database_unavailable} and a
 *   retry-after hint, callers already waiting are woken and fail too, and the pool is on
 *   {@linkplain ConnectionPool#standBy() stand-by} and purged, so HikariCP's creator, whose backoff grows to 5 s,
 *   stops trying. A direct probe runs every {@link #DOWN_INTERVAL}; the first that succeeds marks the database up,
 *   and the next borrow opens a connection at once.</li>
 * </ul>
 *
 * <p>Thread-safe: the checker thread is the only writer of the state; {@link #lastHealth()} reads a volatile field.
 */
final class DatabaseHealthChecker implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Database.class);

    /** How often a database believed up is probed (one short-lived connection each time). */
    static final Duration UP_INTERVAL = Duration.ofSeconds(1);
    /** How often the checker looks for callers stuck in HikariCP, and how often a down database is probed. */
    static final Duration DOWN_INTERVAL = Duration.ofMillis(250);
    /** The bound of one probe's query, and the least bound of a whole probe. */
    static final Duration PROBE_TIMEOUT = Duration.ofSeconds(1);
    /**
     * Consecutive direct probes that must time out before a database believed up is marked down. A refusal (the
     * port closed, a reset, "starting up", a rejected login) is an answer and marks it down at once; a timeout may
     * only be a busy machine (the first connect also loads the driver), so it takes two in a row, each bounded by the
     * config's connect timeout: a silent server is found after about twice that.
     */
    static final int TIMEOUTS_TO_MARK_DOWN = 2;
    /** The retry-after hint of a call refused while the database is down (HTTP wants whole seconds). */
    static final Duration RETRY_AFTER = Duration.ofSeconds(1);
    /** A direct probe that found the server up is not repeated on a hint within this time. */
    private static final long HINT_QUIET_NANOS = TimeUnit.MILLISECONDS.toNanos(200);
    /** The verdict of a direct probe not run because the previous one still waits for the server. */
    private static final String BUSY = "probe_busy";

    /** The bound of one direct probe: the connect timeout the user configured, at least {@link #PROBE_TIMEOUT}. */
    private final Duration probeBound;
    private final ConnectionPool pool;
    private final DatabaseConfig config;
    private final String name;
    private final DirectProbe direct;
    private final ProbeLoop loop;
    private final @Nullable Counter outages;
    private volatile boolean closed;
    private volatile Health last;
    private long lastDirectUpNanos = System.nanoTime() - HINT_QUIET_NANOS;
    private int consecutiveTimeouts;
    /** When the next routine probe of a database believed up is due ({@link System#nanoTime()} time). */
    private long nextProbe = System.nanoTime() + UP_INTERVAL.toNanos();
    /** Whether callers waited inside HikariCP at the last tick: only waiting across two ticks triggers a probe. */
    private boolean waitedInDriverPool;

    DatabaseHealthChecker(PooledDatabase database, ConnectionPool pool, @Nullable MeterRegistry registry) {
        this.direct = new DirectProbe(database);
        this.pool = pool;
        this.name = database.name();
        this.probeBound = database.config().connectTimeout().plus(PROBE_TIMEOUT);
        this.config = database.config();
        this.last = new Health(true, Duration.ZERO, Optional.empty(), Map.of("checked", "not yet"));
        if (registry != null) {
            Gauge.builder("weft.db.available", pool, p -> p.down() ? 0 : 1)
                    .description("1 while the database is believed up, 0 while calls fail fast because it is down")
                    .tag("database", name).register(registry);
            outages = Counter.builder("weft.db.outages")
                    .description("Times the database was marked down (calls then fail fast until it answers)")
                    .tag("database", name).register(registry);
        } else {
            outages = null;
        }
        this.loop = new ProbeLoop("weft-db-" + name + "-checker", DOWN_INTERVAL, ProbeLoop.Pace.FIXED_DELAY,
                this::round, e -> LOG.atError().setMessage("database health check failed")
                        .addKeyValue("database", name).setCause(e).log());
        pool.onSuspect(loop::hint);
    }

    /** @return the last probe's verdict; never blocks */
    Health lastHealth() {
        return last;
    }

    /** One tick, every {@link #DOWN_INTERVAL} or at once on a hint; its probes bound themselves. */
    private void round(boolean hinted) {
        if (pool.down()) {
            Probe probe = probeDirectly();
            if (probe.up()) {
                markUp(probe);
                nextProbe = System.nanoTime() + UP_INTERVAL.toNanos();
            } else {
                recordDown(probe);
            }
        } else if ((hinted || stuckInDriverPool()) && System.nanoTime() - lastDirectUpNanos >= HINT_QUIET_NANOS) {
            decide(probeDirectly());
        } else if (System.nanoTime() - nextProbe >= 0) {
            nextProbe = System.nanoTime() + UP_INTERVAL.toNanos();
            decide(probeDirectly());
        }
    }

    /** Callers waited inside HikariCP (it opens connections) at this tick and the last one. */
    private boolean stuckInDriverPool() {
        boolean waiting = pool.waitingInDriverPool() > 0;
        boolean stuck = waiting && waitedInDriverPool;
        waitedInDriverPool = waiting;
        return stuck;
    }

    private void decide(Probe probe) {
        if (BUSY.equals(probe.error())) {
            return; // no new evidence: the probe still running decides when it ends, at a later tick
        }
        if (probe.up()) {
            lastDirectUpNanos = System.nanoTime();
            consecutiveTimeouts = 0;
            last = health(probe);
            return;
        }
        if (closed) {
            return;
        }
        if ("timeout".equals(probe.error()) && ++consecutiveTimeouts < TIMEOUTS_TO_MARK_DOWN) {
            return; // the next tick probes again
        }
        consecutiveTimeouts = 0;
        // Fail fast first, so that no new caller waits; then stop the pool reconnecting (stand-by before the
        // purge, whose evictions would otherwise refill it).
        // a caller's exception says why (no such database, refused, ...) and carries the driver's, not only a code
        Exception thrown = probe.thrown();
        ConnectFailure failure = thrown == null ? null : ConnectFailure.of(thrown, config);
        pool.markDown(Objects.requireNonNullElse(probe.error(), "probe failed"), RETRY_AFTER,
                failure == null ? null : failure.reason().code() + ": " + failure.description(), thrown);
        pool.standBy();
        pool.purge();
        recordDown(probe);
        if (outages != null) {
            outages.increment();
        }
        LOG.atWarn().setMessage("database down; calls fail fast until it answers again")
                .addKeyValue("database", name).addKeyValue("error.message", probe.error())
                .addKeyValue("cause", probe.cause())
                .addKeyValue("probe_interval_ms", DOWN_INTERVAL.toMillis()).log();
    }

    private void markUp(Probe probe) {
        Duration downFor = pool.markUp();
        pool.resume();
        last = health(probe);
        LOG.atWarn().setMessage("database answers again; calls go through")
                .addKeyValue("database", name)
                .addKeyValue("down_ms", downFor == null ? 0 : downFor.toMillis())
                .addKeyValue("latency_ms", probe.latency().toMillis()).log();
    }

    private void recordDown(Probe probe) {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("checked_at", Health.timestamp(Instant.now()));
        details.put("fail_fast", true);
        last = new Health(false, probe.latency(), Optional.of("database_unavailable"), details);
    }

    private static Health health(Probe probe) {
        return new Health(probe.up(), probe.latency(), Optional.ofNullable(probe.error()),
                Map.of("checked_at", Health.timestamp(Instant.now())));
    }

    /**
     * The outcome of one direct probe.
     *
     * @param cause for the log only: what the driver said (never in a health body or a user-visible field)
     */
    private record Probe(boolean up, Duration latency, @Nullable String error, @Nullable String cause,
            @Nullable Exception thrown) {
        Probe(boolean up, Duration latency, @Nullable String error) {
            this(up, latency, error, null, null);
        }
    }

    /** The driver's words for the log: exception type, SQLState and the first line of its message. */
    private static String describe(Exception failure) {
        String message = String.valueOf(failure.getMessage()).lines().findFirst().orElse("");
        String state = failure instanceof SQLException sql && sql.getSQLState() != null
                ? " [" + sql.getSQLState() + "]" : "";
        return failure.getClass().getSimpleName() + state + ": " + message;
    }

    /** Connects outside the pool and runs {@code SELECT 1}, bounded by the connect timeout plus the query's. */
    private Probe probeDirectly() {
        DirectProbe.Outcome outcome = direct.run("SELECT 1", PROBE_TIMEOUT, probeBound);
        return switch (outcome) {
            // The last one timed out and still waits for the driver: no new evidence until it gives up, unless the
            // driver ignores its connect timeout (a server that accepts and then says nothing): then it counts.
            case null -> direct.runningFor().compareTo(probeBound.multipliedBy(2)) > 0
                    ? new Probe(false, probeBound, "timeout") : new Probe(false, Duration.ZERO, BUSY);
            case DirectProbe.Answered answered -> new Probe(true, answered.latency(), null);
            case DirectProbe.Failed(SQLException e, Duration latency) -> {
                boolean answers = refusesForLoad(e);
                yield new Probe(answers, latency, answers ? null : timedOut(e) ? "timeout" : "database_unavailable",
                        describe(e), e);
            }
            case DirectProbe.Failed failed -> new Probe(false, failed.latency(), "database_unavailable",
                    describe(failed.failure()), failed.failure());
            case DirectProbe.NoAnswer none -> new Probe(false, none.latency(), none.error());
        };
    }

    /** Whether the driver gave up waiting (connect or socket timeout) rather than being refused. */
    private static boolean timedOut(SQLException error) {
        for (Throwable cause = error; cause != null; cause = cause.getCause()) {
            if (cause instanceof java.net.SocketTimeoutException || cause instanceof java.sql.SQLTimeoutException) {
                return true;
            }
        }
        return false;
    }

    /**
     * A server that refuses a new connection because it has too many answers, and the pool's connections may work:
     * not an outage (PostgreSQL 53300, MariaDB/MySQL 1040).
     */
    private static boolean refusesForLoad(SQLException error) {
        for (Throwable cause = error; cause != null; cause = cause.getCause()) {
            if (cause instanceof SQLException sql && ("53300".equals(sql.getSQLState()) || sql.getErrorCode() == 1040)) {
                return true;
            }
        }
        return false;
    }

    /** Stops the checker; idempotent. */
    @Override
    public void close() {
        closed = true;
        loop.close(probeBound.plusSeconds(1));
    }
}
