package dev.weft.db;

/**
 * A snapshot of a {@link Database}'s connection pool, in the guides' {@code get_pool_status} vocabulary.
 *
 * @param name the database instance's name
 * @param size connections the pool keeps open
 * @param maxConnections the most it opens: size plus max overflow
 * @param total connections open now
 * @param checkedIn idle connections in the pool
 * @param checkedOut connections lent to callers
 * @param overflow connections open beyond {@code size}
 * @param invalid connections dropped as broken since start
 * @param waiting callers waiting for a connection now
 * @param timeouts callers refused with a {@link PoolExhaustedException} since start: those that gave up waiting
 *     (the acquire timeout or their deadline) and those shed because {@link PoolConfig#maxWaiting()} already waited
 */
public record PoolStatus(String name, int size, int maxConnections, int total, int checkedIn, int checkedOut,
        int overflow, long invalid, int waiting, long timeouts) {
}
