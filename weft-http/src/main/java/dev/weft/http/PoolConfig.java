package dev.weft.http;

import static dev.weft.http.SettingNames.of;

import dev.weft.core.Checks;
import dev.weft.core.InvalidConfigException;
import java.time.Duration;

/**
 * The connection pool of an {@link ApiClient} and the bulkhead in front of it. Immutable and thread-safe.
 *
 * @param maxConnections connections in the pool across hosts ({@code max-connections})
 * @param maxConnectionsPerHost connections in the pool per host, at most {@code maxConnections}
 *     ({@code max-connections-per-host})
 * @param maxConcurrentPerHost calls in flight per host (bulkhead); callers beyond it wait in a FIFO line,
 *     each until its call's deadline ({@link BulkheadFullException}, a timeout) ({@code max-concurrent-per-host})
 * @param keepAlive whether connections are reused
 * @param idleEviction idle time after which a pooled connection is closed ({@code idle-eviction})
 */
public record PoolConfig(int maxConnections, int maxConnectionsPerHost, int maxConcurrentPerHost, boolean keepAlive,
        Duration idleEviction) {
    /** Default pool size across hosts. */
    public static final int DEFAULT_MAX_CONNECTIONS = 100;
    /** Default pool size per host, and the default bulkhead. */
    public static final int DEFAULT_MAX_CONNECTIONS_PER_HOST = 10;
    /** Default idle eviction. */
    public static final Duration DEFAULT_IDLE_EVICTION = Duration.ofSeconds(30);

    /**
     * Checks every value.
     *
     * @throws InvalidConfigException naming the first bad setting
     */
    public PoolConfig {
        Checks.between(of("max-connections"), maxConnections, 1, 100_000);
        Checks.between(of("max-connections-per-host"), maxConnectionsPerHost, 1, maxConnections);
        Checks.between(of("max-concurrent-per-host"), maxConcurrentPerHost, 1, 1_000_000);
        Checks.atLeast(of("idle-eviction"), idleEviction, Duration.ofMillis(1));
    }

    /**
     * Returns the defaults.
     *
     * @return 100 connections, 10 per host, 10 calls in flight per host, kept alive, evicted after 30 s idle
     */
    public static PoolConfig defaults() {
        return new PoolConfig(DEFAULT_MAX_CONNECTIONS, DEFAULT_MAX_CONNECTIONS_PER_HOST,
                DEFAULT_MAX_CONNECTIONS_PER_HOST, true, DEFAULT_IDLE_EVICTION);
    }

    /**
     * A copy with other pool sizes; the bulkhead follows the per-host size.
     *
     * @param total connections across hosts
     * @param perHost connections per host
     * @return the changed copy
     */
    public PoolConfig withConnections(int total, int perHost) {
        return new PoolConfig(total, perHost, perHost, keepAlive, idleEviction);
    }

    /**
     * A copy with another bulkhead.
     *
     * @param value calls in flight per host
     * @return the changed copy
     */
    public PoolConfig withMaxConcurrentPerHost(int value) {
        return new PoolConfig(maxConnections, maxConnectionsPerHost, value, keepAlive, idleEviction);
    }

    /**
     * A copy that reuses connections or not.
     *
     * @param value whether connections are reused
     * @return the changed copy
     */
    public PoolConfig withKeepAlive(boolean value) {
        return new PoolConfig(maxConnections, maxConnectionsPerHost, maxConcurrentPerHost, value, idleEviction);
    }

    /**
     * A copy with another idle eviction.
     *
     * @param value idle time before a pooled connection is closed
     * @return the changed copy
     */
    public PoolConfig withIdleEviction(Duration value) {
        return new PoolConfig(maxConnections, maxConnectionsPerHost, maxConcurrentPerHost, keepAlive, value);
    }
}
