/**
 * For implementers of cache tiers (weft-cache-redis is one): the checks every tier applies to keys, TTLs, tags and
 * names ({@link dev.weft.cache.spi.CacheInputs}), one load per key in the JVM
 * ({@link dev.weft.cache.spi.SingleFlight}), loader statistics ({@link dev.weft.cache.spi.LoadTimer}), the local
 * tier with the extra steps a tier in front of a far one needs ({@link dev.weft.cache.spi.CaffeineTier}), and the
 * {@link dev.weft.cache.spi.SharedCacheProvider} service through which {@link dev.weft.cache.SharedCaches} finds a
 * shared backend on the classpath.
 *
 * <p>Stable for tier implementers, but not meant for cache users: they need only {@code dev.weft.cache}. Every type
 * here is thread-safe.
 */
@NullMarked
package dev.weft.cache.spi;

import org.jspecify.annotations.NullMarked;
