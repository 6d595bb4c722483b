package dev.weft.db;

import dev.weft.core.Checks;
import java.time.Duration;

/**
 * Connection-pool settings, in the guides' vocabulary.
 *
 * @param size connections kept open ({@code weft.db.pool.size}, alias {@code DATABASE_POOL_SIZE})
 * @param maxOverflow extra connections opened under load and closed again after {@code idleTimeout}
 *     ({@code weft.db.pool.max-overflow}, alias {@code DATABASE_MAX_OVERFLOW})
 * @param acquireTimeout the longest a caller waits for a connection before a
 *     {@link PoolExhaustedException} ({@code weft.db.pool.timeout}, alias {@code DATABASE_POOL_TIMEOUT})
 * @param recycle the maximum lifetime of a connection; it is replaced after that
 *     ({@code weft.db.pool.recycle}, alias {@code DATABASE_POOL_RECYCLE})
 * @param prePing validate idle connections with keep-alive probes, so a broken one is not handed out
 *     ({@code weft.db.pool.pre-ping}, alias {@code DATABASE_POOL_PRE_PING}). HikariCP also validates any
 *     connection idle for more than 500 ms when it is borrowed, whatever this says.
 * @param idleTimeout how long an overflow connection may sit idle before it is closed
 *     ({@code weft.db.pool.idle-timeout})
 * @param maxWaiting the most callers that may wait for a connection at once; one more fails at once with a
 *     {@link PoolExhaustedException} instead of queueing, so that an overloaded or failing database sheds work
 *     rather than holding an unbounded number of requests open ({@code weft.db.pool.max-waiting}, env
 *     {@code WEFT_DB_POOL_MAX_WAITING} or {@code DATABASE_POOL_MAX_WAITING})
 * @param leakDetection how long a connection may be out of the pool before HikariCP logs a warning with the stack
 *     of the code that took it (a stream or transaction left open), or {@link Duration#ZERO} for never; at least
 *     2 s and shorter than {@code recycle} ({@code weft.db.pool.leak-detection}, env
 *     {@code WEFT_DB_POOL_LEAK_DETECTION} or {@code DATABASE_POOL_LEAK_DETECTION})
 */
public record PoolConfig(int size, int maxOverflow, Duration acquireTimeout, Duration recycle, boolean prePing,
        Duration idleTimeout, int maxWaiting, Duration leakDetection) {
    /** Default {@link #size()}. */
    public static final int DEFAULT_SIZE = 10;
    /** Default {@link #maxOverflow()}. */
    public static final int DEFAULT_MAX_OVERFLOW = 0;
    /** Default {@link #acquireTimeout()}. */
    public static final Duration DEFAULT_ACQUIRE_TIMEOUT = Duration.ofSeconds(30);
    /** Default {@link #recycle()}. */
    public static final Duration DEFAULT_RECYCLE = Duration.ofMinutes(30);
    /** Default {@link #idleTimeout()}. */
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofMinutes(1);
    /**
     * Default {@link #maxWaiting()}: at 10 connections and a few milliseconds per query a queue this long drains in
     * well under a second, so no healthy load is shed; a longer one only holds callers until their deadlines.
     */
    public static final int DEFAULT_MAX_WAITING = 1000;

    /** Validates every field; see the field docs for the rules. */
    public PoolConfig {
        Checks.between(label("size", "POOL_SIZE"), size, 1, 10_000);
        Checks.between(label("max-overflow", "MAX_OVERFLOW"), maxOverflow, 0, 10_000);
        // HikariCP's own floors: below them it would silently raise the value.
        Checks.atLeast(label("timeout", "POOL_TIMEOUT"), acquireTimeout, Duration.ofMillis(250));
        Checks.atLeast(label("recycle", "POOL_RECYCLE"), recycle, Duration.ofSeconds(30));
        Checks.atLeast(label("idle-timeout", "POOL_IDLE_TIMEOUT"), idleTimeout, Duration.ofSeconds(10));
        Checks.between(label("max-waiting", "POOL_MAX_WAITING"), maxWaiting, 0, 1_000_000);
        java.util.Objects.requireNonNull(leakDetection, "leakDetection");
        // HikariCP turns leak detection off, with only a log line, below 2 s or at or past the maximum lifetime
        if (!leakDetection.isZero() && (leakDetection.compareTo(Duration.ofSeconds(2)) < 0
                || leakDetection.compareTo(recycle) >= 0)) {
            throw new dev.weft.core.InvalidConfigException(label("leak-detection", "POOL_LEAK_DETECTION"),
                    leakDetection, "must be 0 (off) or at least 2 s and shorter than weft.db.pool.recycle ("
                            + recycle.toSeconds() + " s)");
        }
        // The idle timeout only closes overflow connections; without overflow it is unused.
        if (maxOverflow > 0 && idleTimeout.compareTo(recycle) >= 0) {
            throw new dev.weft.core.InvalidConfigException(label("idle-timeout", "POOL_IDLE_TIMEOUT"), idleTimeout,
                    "must be shorter than weft.db.pool.recycle (" + recycle + ") when overflow is on");
        }
    }

    /**
     * The settings without leak detection.
     *
     * @param size connections kept open
     * @param maxOverflow extra connections opened under load
     * @param acquireTimeout the longest a caller waits for a connection
     * @param recycle the maximum lifetime of a connection
     * @param prePing validate idle connections
     * @param idleTimeout how long an overflow connection may sit idle
     * @param maxWaiting the most callers that may wait for a connection at once
     */
    public PoolConfig(int size, int maxOverflow, Duration acquireTimeout, Duration recycle, boolean prePing,
            Duration idleTimeout, int maxWaiting) {
        this(size, maxOverflow, acquireTimeout, recycle, prePing, idleTimeout, maxWaiting, Duration.ZERO);
    }

    /**
     * @return how an error names a pool setting: its key and both variables that set it (the message named only the
     *     guides' alias, also when {@code WEFT_DB_*} was the one set)
     */
    private static String label(String key, String variable) {
        return "weft.db.pool." + key + " (WEFT_DB_" + variable + " or DATABASE_" + variable + ")";
    }

    /**
     * @return the defaults: 10 connections, no overflow, 30 s acquire timeout, 30 min recycle, pre-ping on, at most
     *     1000 waiting callers
     */
    public static PoolConfig defaults() {
        return new PoolConfig(DEFAULT_SIZE, DEFAULT_MAX_OVERFLOW, DEFAULT_ACQUIRE_TIMEOUT, DEFAULT_RECYCLE, true,
                DEFAULT_IDLE_TIMEOUT, DEFAULT_MAX_WAITING);
    }

    /** @return the most connections the pool opens at once: {@code size + maxOverflow} */
    public int maxConnections() {
        return size + maxOverflow;
    }

    /**
     * @param newSize the new size
     * @return a copy with {@code size} changed
     */
    public PoolConfig withSize(int newSize) {
        return new PoolConfig(newSize, maxOverflow, acquireTimeout, recycle, prePing, idleTimeout, maxWaiting,
                leakDetection);
    }

    /**
     * @param newMaxOverflow the new overflow
     * @return a copy with {@code maxOverflow} changed
     */
    public PoolConfig withMaxOverflow(int newMaxOverflow) {
        return new PoolConfig(size, newMaxOverflow, acquireTimeout, recycle, prePing, idleTimeout, maxWaiting,
                leakDetection);
    }

    /**
     * @param newAcquireTimeout the new acquire timeout
     * @return a copy with {@code acquireTimeout} changed
     */
    public PoolConfig withAcquireTimeout(Duration newAcquireTimeout) {
        return new PoolConfig(size, maxOverflow, newAcquireTimeout, recycle, prePing, idleTimeout, maxWaiting,
                leakDetection);
    }

    /**
     * @param newRecycle the new maximum lifetime
     * @return a copy with {@code recycle} changed
     */
    public PoolConfig withRecycle(Duration newRecycle) {
        return new PoolConfig(size, maxOverflow, acquireTimeout, newRecycle, prePing, idleTimeout, maxWaiting,
                leakDetection);
    }

    /**
     * @param newIdleTimeout how long an overflow connection may idle
     * @return a copy with {@code idleTimeout} changed
     */
    public PoolConfig withIdleTimeout(Duration newIdleTimeout) {
        return new PoolConfig(size, maxOverflow, acquireTimeout, recycle, prePing, newIdleTimeout, maxWaiting,
                leakDetection);
    }

    /**
     * @param newPrePing whether to validate idle connections
     * @return a copy with {@code prePing} changed
     */
    public PoolConfig withPrePing(boolean newPrePing) {
        return new PoolConfig(size, maxOverflow, acquireTimeout, recycle, newPrePing, idleTimeout, maxWaiting,
                leakDetection);
    }

    /**
     * @param newMaxWaiting the most callers that may wait for a connection; 0 lets none wait
     * @return a copy with {@code maxWaiting} changed
     */
    public PoolConfig withMaxWaiting(int newMaxWaiting) {
        return new PoolConfig(size, maxOverflow, acquireTimeout, recycle, prePing, idleTimeout, newMaxWaiting,
                leakDetection);
    }

    /**
     * @param newLeakDetection how long a connection may be out before a warning with its taker's stack, or
     *     {@link Duration#ZERO} for never
     * @return a copy with that leak detection
     */
    public PoolConfig withLeakDetection(Duration newLeakDetection) {
        return new PoolConfig(size, maxOverflow, acquireTimeout, recycle, prePing, idleTimeout, maxWaiting,
                newLeakDetection);
    }
}
