package dev.weft.cache;

import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * A cache of JSON-serializable values under string keys, with a TTL on every entry and optional tags. The same
 * interface fronts every tier: {@link LocalCache}, and a Redis cache and a tiered cache from {@link SharedCaches}
 * (weft-cache-redis's {@code RedisCaches}).
 *
 * <p>Keys are 1 to 512 bytes of UTF-8 without control characters; tags are 1 to 200 characters of
 * {@code [A-Za-z0-9_.:*-]}; TTLs are positive. Anything else is an {@link dev.weft.core.InvalidInputException}
 * and nothing is written. A value that Jackson cannot serialize, or whose JSON it cannot read back as the value's
 * class (say, a class without getters or a constructor Jackson can use), is refused the same way by the tiers that
 * serialize (Redis, tiered); that read-back is tried once per class, with the first value of it put.
 *
 * <p>The Redis and tiered caches store values as JSON (Jackson, with {@code java.time} and {@code Optional}), and a
 * read rebuilds the value as the type asked for; the local cache keeps the object itself. So a value read from Redis
 * is a copy, and where the type asked for leaves the element types open, they are JSON's: a {@code Map<String,
 * Object>} holding {@code 5L} comes back holding the {@code Integer} 5, a {@code List} of records comes back as a
 * list of {@code Map}s. Ask with a {@link TypeRef} ({@code new TypeRef<Map<String, Long>>() {}}) or cache a record
 * to get the types back. An entry that cannot be read as the type asked for is a miss, counted in
 * {@link CacheStats#unreadable()} (and logged once per type).
 *
 * <p>A tag groups entries: {@link #invalidateTag(String)} makes every entry put with that tag a miss at once. An
 * entry remembers the version of each of its tags from before its value was computed, so a load that races with
 * an invalidation stores an entry that is already stale and is never served.
 *
 * <p>No method throws because Redis is down: reads miss, writes are dropped and counted in {@link #stats()}. On a
 * thread whose interrupt flag is set (a cancelled request), Redis and tiered reads miss without asking Redis, while
 * puts and invalidations still run (each Redis call bounded by the command timeout); the flag stays set, and neither
 * counts as a Redis failure.
 *
 * <p>Thread-safe. Methods block the calling thread (meant to be virtual) for at most the Redis command timeout
 * per round trip; {@code getOrLoad} also blocks while the loader runs, here or on another instance.
 */
public interface Cache extends AutoCloseable {
    /** @return the cache's name, used in keys, logs and metric tags */
    String name();

    /**
     * @param key the key
     * @param type the value's class
     * @param <T> the value type
     * @return the value, if present, fresh and readable as {@code type}
     */
    <T> Optional<T> get(String key, Class<T> type);

    /**
     * @param key the key
     * @param type the value's generic type, e.g. {@code new TypeRef<List<User>>() {}}
     * @param <T> the value type
     * @return the value, if present, fresh and readable as {@code type}
     */
    <T> Optional<T> get(String key, TypeRef<T> type);

    /**
     * Stores a value.
     *
     * @param key the key
     * @param value the value; never {@code null}
     * @param ttl how long the entry lives; positive
     * @param tags tags to invalidate the entry by; may be empty
     */
    void put(String key, Object value, Duration ttl, Set<String> tags);

    /**
     * Stores a value without tags.
     *
     * @param key the key
     * @param value the value
     * @param ttl how long the entry lives
     */
    default void put(String key, Object value, Duration ttl) {
        put(key, value, ttl, Set.of());
    }

    /**
     * Returns the cached value, or runs {@code loader} once, stores its result and returns it. Concurrent calls
     * for the same key wait for the one load: in this JVM always, and across instances sharing Redis through a
     * lease on the key. A waiter that outlives the cache's load wait runs the loader itself rather than hang. A
     * {@code null} result is returned and not cached; an exception from the loader reaches every waiter of that
     * load and caches nothing. A load during which its key is invalidated, put or cleared (here or, for Redis and
     * tiered caches, on another instance) returns its value but stores nothing: the loader may have read its source
     * before that write, and storing would bring back what the write replaced. Neither does a Redis waiter that ran
     * the loader itself after the load wait store its value.
     *
     * <p>A loader must not call {@code getOrLoad} for its own key on the same cache (directly or through code it
     * calls on the same thread): that inner call throws a {@link CacheException} with code
     * {@code cache_recursive_load}, naming the cache and the key's length, which fails the outer load too. Every tier does
     * this, at once: waiting would mean waiting for itself, and running the inner loader would load the key twice.
     *
     * @param key the key
     * @param type the value's generic type
     * @param ttl how long the loaded entry lives
     * @param tags tags of the loaded entry
     * @param loader computes the value; runs on the calling thread
     * @param <T> the value type
     * @return the cached or loaded value
     * @throws CacheException code {@code cache_recursive_load} if this thread is already loading {@code key} in this
     *     cache; code {@code cache_interrupted} if interrupted while waiting for another caller's load
     */
    <T extends @Nullable Object> T getOrLoad(String key, TypeRef<T> type, Duration ttl, Set<String> tags, Supplier<? extends T> loader);

    /**
     * {@link #getOrLoad(String, TypeRef, Duration, Set, Supplier)} for a plain class and no tags.
     *
     * @param key the key
     * @param type the value's class
     * @param ttl how long the loaded entry lives
     * @param loader computes the value
     * @param <T> the value type
     * @return the cached or loaded value
     */
    default <T extends @Nullable Object> T getOrLoad(String key, Class<T> type, Duration ttl, Supplier<? extends T> loader) {
        return getOrLoad(key, TypeRef.of(type), ttl, Set.of(), loader);
    }

    /** @param key the key to remove */
    void invalidate(String key);

    /** @param tag every entry put with this tag becomes a miss */
    void invalidateTag(String tag);

    /**
     * Invalidates every tag this cache has seen whose name matches a glob ({@code *} any run of characters,
     * {@code ?} one character), as the guides' {@code invalidate_cache(pattern)} does.
     *
     * @param pattern the glob
     * @return how many tags matched
     */
    long invalidateTags(String pattern);

    /** Removes every entry of this cache. */
    void clear();

    /** @return counters for this cache; for a tiered cache, the sum over its tiers (see {@link #tierStats()}) */
    CacheStats stats();

    /** @return counters per tier, keyed {@code local} and/or {@code redis} */
    java.util.Map<String, CacheStats> tierStats();

    /** Releases what the cache holds (subscriptions, its share of a connection). Idempotent. */
    @Override
    void close();
}
