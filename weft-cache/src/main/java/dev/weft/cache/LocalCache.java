package dev.weft.cache;

import dev.weft.cache.spi.CacheInputs;
import dev.weft.cache.spi.CaffeineTier;
import java.time.Duration;

/**
 * Makes in-process caches on Caffeine: size-bounded, a TTL per entry, one load per key in the JVM. Values are
 * kept as objects (not serialized), so a hit costs a map lookup; callers must not mutate cached values.
 */
public final class LocalCache {
    /** Default maximum number of entries. */
    public static final long DEFAULT_MAXIMUM_SIZE = 10_000;
    /**
     * The longest a {@code getOrLoad} caller waits for another caller's load of the same key before it runs the
     * loader itself (a tier with its own setting, such as weft-cache-redis's, may differ).
     */
    public static final Duration DEFAULT_LOAD_WAIT = Duration.ofSeconds(30);

    private LocalCache() {
    }

    /**
     * @param name the cache's name, {@code [a-z][a-z0-9_-]{0,63}} (weft's InstanceName rule)
     * @param maximumSize the most entries kept; the least valuable are evicted beyond it
     * @return a new local cache
     */
    public static Cache create(String name, long maximumSize) {
        long checked = maximumSize(name, maximumSize); // checked before the name, as it always was
        return CaffeineTier.create(CacheInputs.name(name, "cache name"), checked);
    }

    /**
     * A local cache whose entries leave by age only, for many keys that are each read often, such as credentials: a
     * hit records nothing for Caffeine to replay (in a cache of ~100,000 such entries that bookkeeping made the
     * collector's young pauses ~4 times longer), and the bound is kept by admission instead: once
     * {@code maximumSize} entries are held, a new key is not stored until entries expire (each put's own TTL, at
     * most {@code maximumTtl}). Use {@link #create(String, long)} when the keys' popularity varies and the least
     * used should make room.
     *
     * @param name the cache's name, {@code [a-z][a-z0-9_-]{0,63}} (weft's InstanceName rule)
     * @param maximumSize the most entries kept
     * @param maximumTtl the longest an entry lives; a put with a longer TTL is cut to it
     * @return a new local cache
     */
    public static Cache createByAge(String name, long maximumSize, Duration maximumTtl) {
        long checked = maximumSize(name, maximumSize);
        return CaffeineTier.createByAge(CacheInputs.name(name, "cache name"), checked, CacheInputs.ttl(maximumTtl));
    }

    /** @return {@code maximumSize}, checked: at least 1 */
    private static long maximumSize(String name, long maximumSize) {
        if (maximumSize < 1) {
            throw new dev.weft.core.InvalidConfigException("weft.cache." + name + ".maximum-size", maximumSize,
                    "must be >= 1");
        }
        return maximumSize;
    }

    /**
     * @param name the cache's name
     * @return a new local cache with {@link #DEFAULT_MAXIMUM_SIZE}
     */
    public static Cache create(String name) {
        return create(name, DEFAULT_MAXIMUM_SIZE);
    }
}
