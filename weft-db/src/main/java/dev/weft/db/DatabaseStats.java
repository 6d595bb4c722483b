package dev.weft.db;

/**
 * Connection statistics, as the guides' {@code get_connection_stats}: the pool and the queries.
 *
 * @param pool the pool's state
 * @param queries the query metrics
 */
public record DatabaseStats(PoolStatus pool, QueryMetrics queries) {
}
