/**
 * weft-cache: one {@link dev.weft.cache.Cache} interface over three tiers.
 *
 * <ul>
 *   <li>{@link dev.weft.cache.LocalCache}: in-process, on Caffeine; size-bounded, per-entry TTL.</li>
 *   <li>Redis caches and tiered caches (local in front of Redis, invalidated across instances by pub/sub), in the
 *       separate artifact {@code dev.weft:weft-cache-redis} ({@code dev.weft.cache.redis.RedisCaches}), so that a user
 *       of the local tier (weft-db's query cache) does not pull Lettuce, Netty and Reactor. Code that only has a URL
 *       opens them through {@link dev.weft.cache.SharedCaches#connect(String)}, which names the missing artifact
 *       when it is absent.</li>
 * </ul>
 *
 * <p>Every tier has TTLs on every entry, tags that invalidate many entries at once (by version counters, so an
 * invalidation is one atomic step and a load racing with it can never cache stale data), single-flight
 * {@code getOrLoad} (one load per key in the JVM, and with Redis one load per key across instances through a
 * lease), stats bound to Micrometer's {@code cache.*} meters, and no exception for a Redis outage: reads miss,
 * writes are dropped and counted, a circuit breaker stops calls to a dead Redis, and the cache recovers by itself.
 *
 * <p>{@code dev.weft.cache.spi} is for tier implementers, not for cache users.
 */
@NullMarked
package dev.weft.cache;

import org.jspecify.annotations.NullMarked;
