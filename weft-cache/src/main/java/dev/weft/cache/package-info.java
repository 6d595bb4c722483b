/**
 * weft-cache: one {@link dev.weft.cache.Cache} interface over three tiers.
 *
 * <ul>
 *   <li>{@link dev.weft.cache.LocalCache}: in-process, on Caffeine; size-bounded, per-entry TTL.</li>
 *   <li>{@link dev.weft.cache.RedisCaches}: a Redis connection (Lettuce) that makes Redis caches and tiered caches
 *       (local in front of Redis, invalidated across instances by pub/sub).</li>
 * </ul>
 *
 * <p>Every tier has TTLs on every entry, tags that invalidate many entries at once (by version counters, so an
 * invalidation is one atomic step and a load racing with it can never cache stale data), single-flight
 * {@code getOrLoad} (one load per key in the JVM, and with Redis one load per key across instances through a
 * lease), stats bound to Micrometer's {@code cache.*} meters, and no exception for a Redis outage: reads miss,
 * writes are dropped and counted, a circuit breaker stops calls to a dead Redis, and the cache recovers by itself.
 *
 * <p>{@code dev.weft.cache.internal} is not API.
 */
@NullMarked
package dev.weft.cache;

import org.jspecify.annotations.NullMarked;
