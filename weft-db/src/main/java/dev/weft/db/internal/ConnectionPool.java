package dev.weft.db.internal;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.HikariPoolMXBean;
import com.zaxxer.hikari.metrics.micrometer.MicrometerMetricsTrackerFactory;
import com.zaxxer.hikari.pool.HikariPool;
import dev.weft.core.Deadline;
import dev.weft.core.Secret;
import dev.weft.db.DatabaseConfig;
import dev.weft.db.DatabaseException;
import dev.weft.db.DatabaseUnavailableException;
import dev.weft.db.PoolExhaustedException;
import dev.weft.db.PoolStatus;
import io.micrometer.core.instrument.MeterRegistry;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * HikariCP behind a fair gate. Callers wait for a permit in FIFO order (a fair {@link Semaphore} sized to the
 * pool, with the acquire timeout as deadline) before they borrow from Hikari, whose own hand-off is unordered:
 * measured on this project's machine, the unfair hand-off alone gave a p99 4x worse under 64 callers on 8
 * connections (shared/bench-anchors). A connection that turned out broken is evicted and counted.
 *
 * <p>Thread-safe.
 */
public final class ConnectionPool implements AutoCloseable {
    private final String name;
    private final DatabaseConfig config;
    private final HikariDataSource hikari;
    private final String jdbcUrl;
    private final Dialect dialect;
    private final Properties driverProperties;
    private final String username;
    private final Secret password;
    private final Semaphore gate;
    private final int size;
    private final int maxConnections;
    private final long acquireTimeoutNanos;
    private final int maxWaiting;
    private final java.util.concurrent.atomic.AtomicInteger queued = new java.util.concurrent.atomic.AtomicInteger();
    private final java.util.Set<Waiter> waiters = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private volatile @Nullable Outage outage;
    private volatile @Nullable Runnable suspectListener;
    /** How many holders ({@link #standBy()} callers) want the pool to keep no connections now. */
    private int standByHolds;
    private final AtomicLong invalid = new AtomicLong();
    private final AtomicLong timeouts = new AtomicLong();

    /**
     * @param config the database config
     * @param dialect its dialect
     * @param registry where Hikari publishes {@code hikaricp.*} meters, or {@code null}
     */
    public ConnectionPool(DatabaseConfig config, Dialect dialect, @Nullable MeterRegistry registry) {
        JdbcDrivers.require(config.type(), config.name()); // before Hikari, whose own error names no artifact
        this.name = config.name();
        this.config = config;
        this.size = config.pool().size();
        this.maxConnections = config.pool().maxConnections();
        this.acquireTimeoutNanos = config.pool().acquireTimeout().toNanos();
        this.maxWaiting = config.pool().maxWaiting();
        this.gate = new Semaphore(maxConnections, true);

        this.dialect = dialect;
        this.jdbcUrl = dialect.jdbcUrl(config);
        this.driverProperties = dialect.driverProperties(config);
        this.username = config.username();
        this.password = config.password();

        HikariConfig hikariConfig = new HikariConfig();
        hikariConfig.setPoolName("weft-" + config.name());
        hikariConfig.setJdbcUrl(jdbcUrl);
        if (!username.isEmpty()) {
            hikariConfig.setUsername(username);
        }
        if (!password.isEmpty()) {
            hikariConfig.setPassword(password.reveal());
        }
        hikariConfig.setDataSourceProperties(driverProperties); // copied by Hikari
        if (dialect.connectionInitSql() != null) {
            hikariConfig.setConnectionInitSql(dialect.connectionInitSql());
        }
        hikariConfig.setMaximumPoolSize(maxConnections);
        hikariConfig.setMinimumIdle(size);
        if (config.pool().maxOverflow() > 0) {
            // only overflow connections idle out; a fixed-size pool keeps its connections
            hikariConfig.setIdleTimeout(config.pool().idleTimeout().toMillis());
        }
        hikariConfig.setMaxLifetime(config.pool().recycle().toMillis());
        // The gate enforces the caller-facing deadline; Hikari's covers opening a connection.
        if (!config.pool().leakDetection().isZero()) {
            hikariConfig.setLeakDetectionThreshold(config.pool().leakDetection().toMillis());
        }
        hikariConfig.setConnectionTimeout(Math.max(250, config.pool().acquireTimeout().toMillis()));
        hikariConfig.setValidationTimeout(Math.max(250, Math.min(5000, config.connectTimeout().toMillis())));
        if (config.pool().prePing()) {
            hikariConfig.setKeepaliveTime(Duration.ofMinutes(2).toMillis());
        }
        // Start even if the server is down: the first calls then fail with 503 and recover by themselves.
        hikariConfig.setInitializationFailTimeout(-1);
        if (registry != null) {
            hikariConfig.setMetricsTrackerFactory(new MicrometerMetricsTrackerFactory(registry));
        }
        dialect.beforeFirstConnection();
        this.hikari = new HikariDataSource(hikariConfig);
    }

    /**
     * Checks that the JDBC driver of a database's type is on the class path.
     *
     * @param config the database
     * @throws dev.weft.db.DatabaseException ({@code jdbc_driver_missing}) naming the artifact to add
     */
    public static void requireDriver(DatabaseConfig config) {
        JdbcDrivers.require(config.type(), config.name());
    }

    /** @return the pool's name */
    public String name() {
        return name;
    }

    /**
     * Waits in line for a connection. Fails at once, without waiting, while the database is known to be down
     * ({@link #markDown}) or when {@link dev.weft.db.PoolConfig#maxWaiting()} callers already wait. The wait is
     * bounded by the acquire timeout, or by the caller's {@link Deadline} if that is earlier; a caller whose deadline
     * has passed still takes a connection that is free now, but waits for none. Callers waiting when the database is
     * marked down are woken and fail at once.
     *
     * @return a connection; the caller must {@link #release(Connection)} it
     * @throws PoolExhaustedException if none is free within the wait, or too many callers wait already
     * @throws DatabaseUnavailableException if the database is down, cannot be reached, or the wait is interrupted
     */
    public Connection acquire() {
        failIfDown();
        long budget = acquireTimeoutNanos;
        boolean deadlineBound = false;
        Deadline deadline = Deadline.current().orElse(null);
        if (deadline != null && deadline.remainingNanos() < budget) {
            budget = Math.max(0, deadline.remainingNanos());
            deadlineBound = true;
        }
        long start = System.nanoTime();
        Waiter waiter = new Waiter(Thread.currentThread());
        waiters.add(waiter);
        try {
            failIfDown(); // marked down between the first check and joining the waiters: that wake-up was missed
            if (!gate.tryAcquire()) {
                enterQueue();
                try {
                    if (!gate.tryAcquire(budget, TimeUnit.NANOSECONDS)) {
                        timeouts.incrementAndGet();
                        throw new PoolExhaustedException(exhaustedMessage(budget, deadlineBound));
                    }
                } finally {
                    queued.decrementAndGet();
                }
            }
            Connection connection = null;
            try {
                long left = Math.max(0, budget - (System.nanoTime() - start));
                connection = borrow(left);
            } finally {
                if (connection == null) {
                    gate.release();
                }
            }
            if (waiter.leave()) {
                release(connection); // woken by markDown just as the connection came: the database is down
                throw downException();
            }
            return connection;
        } catch (InterruptedException e) {
            if (waiter.leave()) {
                throw downException();
            }
            Thread.currentThread().interrupt();
            // the caller's interrupt, not the database's state: not retried, and nothing to report as down
            throw DatabaseException.interrupted("pool '" + name + "': interrupted while waiting for a connection", e);
        } finally {
            waiter.leave();
            waiters.remove(waiter);
        }
    }

    /** Counts one more caller in the queue, or sheds it if the queue is full. */
    private void enterQueue() {
        if (queued.incrementAndGet() > maxWaiting) {
            queued.decrementAndGet();
            timeouts.incrementAndGet();
            throw new PoolExhaustedException("pool '" + name + "': " + maxWaiting
                    + " callers already wait for a connection; not queueing more (active=" + status().checkedOut()
                    + ")");
        }
    }

    /** Borrows from HikariCP, whose own wait covers opening a connection; {@code nanos} may be zero. */
    private Connection borrow(long nanos) throws InterruptedException {
        HikariPool pool = (HikariPool) hikari.getHikariPoolMXBean();
        try {
            if (pool == null) {
                return hikari.getConnection(); // closed: HikariCP says so
            }
            return pool.getConnection(TimeUnit.NANOSECONDS.toMillis(nanos));
        } catch (SQLException e) {
            if (e.getCause() instanceof InterruptedException interrupted) {
                Thread.interrupted(); // HikariCP set the flag again; the caller decides what the interrupt meant
                throw interrupted;
            }
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            String state = cause instanceof SQLException sql ? sql.getSQLState() : e.getSQLState();
            if (e.getCause() != null) {
                suspect(); // it could not open a connection: have the database checked now
            }
            // the root cause and its fix (refused, no such database...), not the driver's class name
            throw new ConnectFailedException("pool '" + name + "': cannot open a connection: "
                    + dev.weft.db.ConnectFailure.of(e, config).description(), state, e);
        }
    }

    /**
     * A caller inside {@link #acquire()}, which {@link #markDown} may wake. The interrupt is sent and the state read
     * under the waiter's lock, so that a caller which has left is never interrupted.
     */
    private static final class Waiter {
        private final Thread thread;
        private boolean inside = true;
        private boolean woken;

        Waiter(Thread thread) {
            this.thread = thread;
        }

        synchronized void wake() {
            if (inside) {
                woken = true;
                thread.interrupt();
            }
        }

        /** @return whether {@link #wake()} interrupted the caller; its interrupt flag is then cleared */
        synchronized boolean leave() {
            inside = false;
            if (woken) {
                Thread.interrupted();
                woken = false;
                return true;
            }
            return false;
        }
    }

    // ---- the database's availability, as the health checker sees it -----------------------------------------

    /**
     * A known outage: since when, what the last probe saw, and when to try again.
     *
     * @param why what the probe saw, described for the exception; {@code null} if nothing was thrown
     * @param cause what the probe's driver threw, or {@code null}
     */
    private record Outage(long sinceNanos, String error, Duration retryAfter, @Nullable String why,
            @Nullable Throwable cause) {
    }

    /**
     * Marks the database down: from now on {@link #acquire()} fails at once with a
     * {@link DatabaseUnavailableException} carrying {@code retryAfter}, and callers waiting now are woken and fail
     * the same way. Idempotent. Called by the database's health checker.
     *
     * @param error the code of what the probe saw
     * @param retryAfter when the database is probed next, as a hint for callers
     * @return whether the database was up before
     */
    public boolean markDown(String error, Duration retryAfter) {
        return markDown(error, retryAfter, null, null);
    }

    /**
     * Fails every borrow at once, as {@link #markDown(String, Duration)}, saying why in the exception.
     *
     * @param error the code of what the probe saw
     * @param retryAfter when the database is probed next, as a hint for callers
     * @param why what the probe saw, described (no password), or {@code null}
     * @param cause the probe's failure, attached to each exception, or {@code null}
     * @return whether the database was up before
     */
    public boolean markDown(String error, Duration retryAfter, @Nullable String why, @Nullable Throwable cause) {
        Outage previous = outage; // read once: the field is volatile
        boolean wasUp = previous == null;
        outage = new Outage(previous == null ? System.nanoTime() : previous.sinceNanos(), error, retryAfter, why,
                cause);
        if (wasUp) {
            for (Waiter waiter : waiters) {
                waiter.wake();
            }
        }
        return wasUp;
    }

    /**
     * Lets callers borrow again after {@link #markDown}. Idempotent.
     *
     * @return how long the database was down, or {@code null} if it was up
     */
    public @Nullable Duration markUp() {
        Outage was = outage;
        outage = null;
        return was == null ? null : Duration.ofNanos(System.nanoTime() - was.sinceNanos());
    }

    /** @return whether the database is known to be down now */
    public boolean down() {
        return outage != null;
    }

    /**
     * Asks the health checker to probe now: a call lost its connection, or the pool could not open one.
     *
     * @param listener what to run on such a hint; it must return at once
     */
    public void onSuspect(Runnable listener) {
        this.suspectListener = java.util.Objects.requireNonNull(listener, "listener");
    }

    /** Tells the health checker that the database may be down; returns at once. */
    public void suspect() {
        Runnable listener = suspectListener;
        if (listener != null) {
            listener.run();
        }
    }

    private void failIfDown() {
        if (outage != null) {
            throw downException();
        }
    }

    private DatabaseUnavailableException downException() {
        Outage now = outage;
        if (now == null) { // marked up again meanwhile: the caller may retry at once
            return new DatabaseUnavailableException("pool '" + name + "': the database was down", Duration.ZERO);
        }
        return DatabaseUnavailableException.knownDown("database '" + name + "' is down since "
                + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - now.sinceNanos()) + " ms ("
                + (now.why() != null ? now.why() : now.error()) + "); failing at once until a probe sees it answer",
                now.cause(), now.retryAfter());
    }

    /**
     * Returns a connection to the pool.
     *
     * @param connection a connection from {@link #acquire()}
     */
    public void release(Connection connection) {
        try {
            connection.close();
        } catch (SQLException ignored) {
            // Hikari closes a broken connection itself; nothing the caller can do
        } finally {
            gate.release();
        }
    }

    /**
     * Drops a broken connection instead of returning it, and counts it as invalid.
     *
     * @param connection a connection from {@link #acquire()}
     */
    public void evict(Connection connection) {
        invalid.incrementAndGet();
        try {
            hikari.evictConnection(connection);
        } finally {
            gate.release();
        }
    }

    /** Retires every connection: idle ones close now, lent ones when returned (HikariCP soft eviction). */
    public void purge() {
        HikariPoolMXBean bean = hikari.getHikariPoolMXBean();
        if (bean != null) {
            bean.softEvictConnections();
        }
    }

    /**
     * Stops keeping connections while the server is known to be down: the minimum idle drops to zero (pair it
     * with {@link #purge()} to retire the connections already open). HikariCP's connection creator retries a dead
     * server with a backoff that doubles from 10 ms up to 5 s for as long as the pool wants connections: under its
     * minimum idle, or while a borrower waits. With no minimum it stops after its current sleep once nobody waits,
     * and the first borrow after {@link #resume()} starts a new creator, whose first attempt is immediate.
     */
    public synchronized void standBy() {
        if (standByHolds++ == 0) {
            hikari.getHikariConfigMXBean().setMinimumIdle(0);
        }
    }

    /**
     * Keeps the configured number of connections again, after {@link #standBy()}: the next borrow opens a
     * connection, and HikariCP's housekeeper (every 30 s) tops the pool up to its size. Stand-by is counted: a
     * database's own health checker and a cluster's may both hold the pool, and it resumes when both let go.
     */
    public synchronized void resume() {
        if (standByHolds > 0 && --standByHolds == 0) {
            hikari.getHikariConfigMXBean().setMinimumIdle(size);
        }
    }

    /**
     * Opens a connection straight from the driver, outside the pool and its gate, with the pool's URL, driver
     * properties and credentials: how a health checker asks whether a server it holds down answers again,
     * without waking the pool's creator (see {@link #standBy()}). The connect is bounded by the config's connect
     * timeout.
     *
     * @return a new physical connection; the caller closes it
     * @throws SQLException if the driver cannot connect
     */
    public Connection connectDirectly() throws SQLException {
        return connectDirectly(null);
    }

    /**
     * As {@link #connectDirectly()}, with the login and every read of the connection bounded (a probe's).
     *
     * @param bound the most the connection's login and each read may take, or {@code null} for the pool's settings
     * @return a new connection; the caller closes it
     * @throws SQLException if the server refuses or cannot be reached
     */
    public Connection connectDirectly(java.time.@Nullable Duration bound) throws SQLException {
        Properties properties = new Properties();
        properties.putAll(driverProperties);
        if (bound != null) {
            dialect.boundProbe(properties, bound);
        }
        if (!username.isEmpty()) {
            properties.setProperty("user", username);
        }
        if (!password.isEmpty()) {
            properties.setProperty("password", password.reveal());
        }
        return DriverManager.getConnection(jdbcUrl, properties);
    }

    /** @return how many callers wait inside HikariCP now, which happens while it opens connections */
    public int waitingInDriverPool() {
        HikariPoolMXBean bean = hikari.getHikariPoolMXBean();
        return bean == null ? 0 : bean.getThreadsAwaitingConnection();
    }

    /** @return the pool's state now */
    public PoolStatus status() {
        HikariPoolMXBean bean = hikari.getHikariPoolMXBean();
        int total = bean == null ? 0 : bean.getTotalConnections();
        int active = bean == null ? 0 : bean.getActiveConnections();
        int idle = bean == null ? 0 : bean.getIdleConnections();
        return new PoolStatus(name, size, maxConnections, total, idle, active, Math.max(0, total - size),
                invalid.get(), gate.getQueueLength(), timeouts.get());
    }

    private String exhaustedMessage(long waitedNanos, boolean deadlineBound) {
        PoolStatus status = status();
        return "pool '" + name + "': no connection in " + TimeUnit.NANOSECONDS.toMillis(waitedNanos)
                + " ms" + (deadlineBound ? " (the caller's deadline)" : "") + " (active=" + status.checkedOut()
                + ", idle=" + status.checkedIn() + ", waiting=" + status.waiting() + ")";
    }

    /**
     * The pool could not open a connection: the server is down or refuses. Not retried by weft, since the pool
     * already waited; callers see a {@link DatabaseUnavailableException}.
     */
    public static final class ConnectFailedException extends DatabaseUnavailableException {
        private static final long serialVersionUID = 1L;

        ConnectFailedException(String message, @Nullable String sqlState, Throwable cause) {
            super(message, sqlState, cause);
        }
    }

    /** Closes every connection. Idempotent. */
    @Override
    public void close() {
        hikari.close();
    }
}
