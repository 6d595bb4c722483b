package dev.weft.cache.spi;

import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import dev.weft.cache.Cache;
import dev.weft.cache.CacheStats;
import dev.weft.cache.LocalCache;
import dev.weft.cache.TypeRef;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import java.util.regex.Pattern;

/**
 * The local tier: Caffeine with per-entry expiry, version-checked tags and in-JVM single flight. It is what
 * {@link LocalCache#create(String, long)} (bounded by Caffeine's eviction policy) and
 * {@link LocalCache#createByAge(String, long, Duration)} (bounded by age, see {@link #createByAge}) return, and the
 * near tier a far-tier implementation (weft-cache-redis's
 * tiered cache) puts in front of its own: besides {@link Cache} it offers the steps such a tier needs to serve a
 * local hit only while it is still current ({@link #fresh}, {@link #holds}), to fill itself from the far tier
 * without losing a racing invalidation ({@link #changes}, {@link #putIfUnchangedSince}) and to apply invalidations
 * heard from other instances.
 *
 * <p>Thread-safe.
 */
public final class CaffeineTier implements Cache {
    /**
     * A cached value with its expiry and the versions of its tags when it was computed.
     */
    public static final class Entry {
        private final Object value;
        private final long ttlNanos;
        private final String[] tags;
        private final long[] versions;
        /**
         * A tag epoch at which {@link #versions} were all still current: while the tier's epoch has not moved past it,
         * no tag was invalidated since, and a hit needs no lookup of its tags' versions. Written racily by readers
         * that checked the versions again; an older value written late only costs another check.
         */
        private volatile long checkedAt;
        /** In a tier bounded by age, when the entry's own TTL runs out (the tier's ticker); 0 otherwise. */
        private final long expiresAt;

        Entry(Object value, long ttlNanos, String[] tags, long[] versions, long checkedAt, long expiresAt) {
            this.value = value;
            this.ttlNanos = ttlNanos;
            this.tags = tags;
            this.versions = versions;
            this.checkedAt = checkedAt;
            this.expiresAt = expiresAt;
        }

        /** @return the value, kept as the object (not serialized) */
        public Object value() {
            return value;
        }

        /** @return its time to live */
        public long ttlNanos() {
            return ttlNanos;
        }

        /** @return its tags */
        public String[] tags() {
            return tags.clone();
        }

        /** @return the version of each tag when the value was computed */
        public long[] versions() {
            return versions.clone();
        }
    }

    /** The tag versions of a value about to be computed, and the tag epoch read before them. */
    private record Stamp(long epoch, long[] versions) {
    }

    private static final String[] NO_TAGS = new String[0];
    /** The least time between two looks, in a full tier bounded by age, for entries past their own TTL. */
    private static final long SWEEP_GAP = Duration.ofSeconds(1).toNanos();
    private static final long[] NO_VERSIONS = new long[0];

    private final String name;
    private final com.github.benmanes.caffeine.cache.Cache<String, Entry> entries;
    /**
     * The version of each tag invalidated so far; a tag never invalidated has none (version 0). Only invalidations
     * add one: when every put added its tags, a cache of 1,000 entries with a tag per entity held a counter for each
     * of the 1,000,000 tags ever put (~125 MB), long after their entries were gone.
     */
    private final ConcurrentHashMap<String, AtomicLong> tagVersions = new ConcurrentHashMap<>();
    /**
     * The tags of loads running now, with how many run: a pattern invalidation must reach a tag whose first load is
     * still running, which neither {@link #tagVersions} nor the entries hold yet.
     */
    private final ConcurrentHashMap<String, Integer> loadingTags = new ConcurrentHashMap<>();
    /**
     * Advanced after every tag invalidation's version bump. An entry stamped with the epoch read before its versions
     * (or last found current at it) is current while the epoch has not moved: the common hit reads this one counter
     * instead of a version per tag (a map lookup each, memory latency over many tags).
     */
    private final AtomicLong tagEpoch = new AtomicLong();
    private final SingleFlight singleFlight;
    /** Caffeine counted these as hits, but weft answered a miss (stale tags or another type). */
    private final LongAdder rejectedHits = new LongAdder();
    private final LongAdder evictions = new LongAdder();
    private final dev.weft.cache.spi.LoadTimer loads = new dev.weft.cache.spi.LoadTimer();
    /** How a tier bounded by age ({@link #createByAge}) keeps its bound; null when Caffeine evicts by size. */
    private final @Nullable AgeBound ageBound;

    /** A tier bounded by age: its admission bound, its longest TTL, and the clock its entries' TTLs run on. */
    private static final class AgeBound {
        final long admitUpTo;
        /** How long Caffeine keeps any entry (a longer TTL is cut to it). */
        final long maximumTtlNanos;
        final com.github.benmanes.caffeine.cache.Ticker ticker;
        /** The earliest the next look for entries past their own TTL may run (compared by difference). */
        final AtomicLong nextSweep;

        AgeBound(long admitUpTo, Duration maximumTtl, com.github.benmanes.caffeine.cache.Ticker ticker) {
            this.admitUpTo = admitUpTo;
            this.maximumTtlNanos = maximumTtl.toNanos();
            this.ticker = ticker;
            this.nextSweep = new AtomicLong(ticker.read());
        }

        long expiresAt(long ttlNanos) {
            return ticker.read() + Math.min(ttlNanos, maximumTtlNanos);
        }

        boolean alive(Entry entry) {
            return entry.expiresAt - ticker.read() > 0;
        }
    }

    /** Each entry lives its own TTL; a read does not extend it. */
    private static final Expiry<String, Entry> PER_ENTRY_TTL = new Expiry<>() {
        @Override
        public long expireAfterCreate(String key, Entry entry, long now) {
            return entry.ttlNanos();
        }

        @Override
        public long expireAfterUpdate(String key, Entry entry, long now, long remaining) {
            return entry.ttlNanos();
        }

        @Override
        public long expireAfterRead(String key, Entry entry, long now, long remaining) {
            return remaining;
        }
    };

    /**
     * @param name the cache's name, already checked ({@link CacheInputs#name})
     * @param maximumSize the most entries kept
     * @return a local tier on the system clock
     */
    public static CaffeineTier create(String name, long maximumSize) {
        return new CaffeineTier(name, maximumSize, com.github.benmanes.caffeine.cache.Ticker.systemTicker(), null);
    }

    /**
     * With an injected clock, so tests can move time instead of sleeping.
     *
     * @param name the cache's name
     * @param maximumSize the most entries kept
     * @param nanoTicker the clock, in nanoseconds
     * @return a local tier on that clock
     */
    public static CaffeineTier create(String name, long maximumSize, java.util.function.LongSupplier nanoTicker) {
        java.util.Objects.requireNonNull(nanoTicker, "nanoTicker");
        return new CaffeineTier(name, maximumSize, nanoTicker::getAsLong, null);
    }

    /**
     * A tier whose entries leave by age only, for many keys that are each read often (API keys' principals). Caffeine
     * replays every hit into what orders its entries, the access order of its size policy or the timer wheel of a
     * per-entry expiry, and each replay relinks the entry: with ~100,000 entries in the old generation every hit
     * dirties a few of the collector's cards, and scanning them made each young collection ~4 times longer
     * (docs/BENCHMARKS.md). Here Caffeine only expires entries {@code maximumTtl} after they were written, which
     * records nothing on a hit; an entry's own shorter TTL is checked when it is read. The bound is kept by
     * admission: once {@code maximumSize} entries are held (about: concurrent puts may pass it by a few), a new key
     * is not stored (and is counted as an eviction, as Caffeine counts a newcomer its policy turns away) until
     * entries expire, or are found past their own TTL by a look over all of them, at most once a second.
     *
     * @param name the cache's name, already checked ({@link CacheInputs#name})
     * @param maximumSize the most entries kept
     * @param maximumTtl the longest an entry lives; a put with a longer TTL is cut to it
     * @return a local tier on the system clock
     */
    public static CaffeineTier createByAge(String name, long maximumSize, Duration maximumTtl) {
        return new CaffeineTier(name, maximumSize, com.github.benmanes.caffeine.cache.Ticker.systemTicker(),
                maximumTtl);
    }

    /**
     * {@link #createByAge(String, long, Duration)} with an injected clock, so tests can move time.
     *
     * @param name the cache's name
     * @param maximumSize the most entries kept
     * @param maximumTtl the longest an entry lives
     * @param nanoTicker the clock, in nanoseconds
     * @return a local tier on that clock
     */
    public static CaffeineTier createByAge(String name, long maximumSize, Duration maximumTtl,
            java.util.function.LongSupplier nanoTicker) {
        java.util.Objects.requireNonNull(nanoTicker, "nanoTicker");
        return new CaffeineTier(name, maximumSize, nanoTicker::getAsLong, maximumTtl);
    }

    private CaffeineTier(String name, long maximumSize, com.github.benmanes.caffeine.cache.Ticker ticker,
            @Nullable Duration byAgeTtl) {
        this.name = name;
        this.singleFlight = new SingleFlight(name);
        this.ageBound = byAgeTtl == null ? null : new AgeBound(maximumSize, byAgeTtl, ticker);
        Caffeine<Object, Object> builder = Caffeine.newBuilder()
                .ticker(ticker)
                // Maintenance (replaying reads into the eviction policy, expiry, eviction) runs on the thread that
                // made it due, under Caffeine's eviction lock, not as Caffeine's default task on the common pool:
                // under load, waking a pool worker and parking it again cost more than the maintenance itself (~12 %
                // of a cached profile's CPU samples; on the caller, the profile took ~11 % less CPU per request,
                // docs/BENCHMARKS.md). It is short work that never blocks.
                .executor(Runnable::run)
                .recordStats();
        if (byAgeTtl != null) {
            this.entries = builder.expireAfterWrite(byAgeTtl).build();
        } else {
            this.entries = builder.maximumSize(maximumSize)
                    .expireAfter(PER_ENTRY_TTL)
                    .evictionListener((@Nullable String key, @Nullable Entry entry,
                            com.github.benmanes.caffeine.cache.RemovalCause cause) -> {
                        if (cause == com.github.benmanes.caffeine.cache.RemovalCause.SIZE) {
                            evictions.increment();
                        }
                    })
                    .build();
        }
    }

    @Override
    public String name() {
        return name;
    }

    // Reads do not validate the key: an invalid key is never stored, so it simply misses.
    @Override
    public <T> Optional<T> get(String key, Class<T> type) {
        Entry entry = fresh(key, type);
        return entry == null ? Optional.empty() : Optional.of(type.cast(entry.value()));
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> Optional<T> get(String key, TypeRef<T> type) {
        Entry entry = fresh(key, type.rawType());
        return entry == null ? Optional.empty() : Optional.of((T) entry.value());
    }

    /**
     * Reads an entry for a caller that checks more before serving it (and counts it as a hit or a miss).
     *
     * @param key the key
     * @param type the class the caller wants
     * @return the entry if present, of the type asked for, and none of its tags invalidated since it was computed;
     *     else {@code null}
     */
    public @org.jspecify.annotations.Nullable Entry fresh(String key, Class<?> type) {
        // Caffeine counts hits and misses itself; only a present entry weft refuses needs correcting.
        Entry entry = entries.getIfPresent(Objects.requireNonNull(key, "key"));
        if (entry == null) {
            return null;
        }
        if (current(entry) && alive(entry)) {
            if (type.isInstance(entry.value)) {
                return entry;
            }
        } else {
            entries.asMap().remove(key, entry);
        }
        rejectedHits.increment();
        return null;
    }

    /**
     * Whether {@code entry}, found by {@link #fresh} a moment ago, is still the key's entry and still current: an
     * invalidation applied since removed or outdated it otherwise.
     *
     * @param key the key
     * @param entry the entry {@link #fresh} returned for it
     * @return whether it may still be served
     */
    public boolean holds(String key, Entry entry) {
        return entries.asMap().get(key) == entry && current(entry) && alive(entry);
    }

    /** Counts a hit the caller did not serve after all (Caffeine counted it as a hit). */
    public void rejectHit() {
        rejectedHits.increment();
    }

    /** Like {@link #fresh}, without counting a read: {@code asMap().get} records no statistics. */
    private @Nullable Entry peek(String key, Class<?> type) {
        Entry entry = entries.asMap().get(key);
        return entry != null && type.isInstance(entry.value) && current(entry) && alive(entry) ? entry : null;
    }

    /** Counts every invalidation of this tier, so a copy read from a far tier can tell one happened meanwhile. */
    private final AtomicLong changes = new AtomicLong();
    /** Stripes of {@link #keyWrites}: a power of two, few enough to cost little per cache. */
    private static final int KEY_STRIPES = 256;
    /**
     * Counts the invalidations and puts of the keys hashed to each stripe (a {@link #clear} counts in {@link #clears}),
     * so a load can tell that its key was written while its loader ran: its value may predate that write and must not
     * replace it. Striped rather than one counter, so that writes to other keys rarely keep a load from being stored.
     */
    private final java.util.concurrent.atomic.AtomicLongArray keyWrites =
            new java.util.concurrent.atomic.AtomicLongArray(KEY_STRIPES);
    private final AtomicLong clears = new AtomicLong();

    /** @return a number that moves whenever {@code key} is invalidated, put or cleared (and sometimes besides) */
    private long writesOf(String key) {
        int hash = key.hashCode();
        return keyWrites.get((hash ^ (hash >>> 16)) & (KEY_STRIPES - 1)) + clears.get();
    }

    /** Counts a write of {@code key}: before the write itself, so a load that checks after it sees it. */
    private void countWrite(String key) {
        int hash = key.hashCode();
        keyWrites.incrementAndGet((hash ^ (hash >>> 16)) & (KEY_STRIPES - 1));
    }

    /** @return the count of invalidations so far */
    public long changes() {
        return changes.get();
    }

    /**
     * Stores a copy read from a far tier unless an invalidation (of any key or tag) happened since
     * {@code before}: that invalidation might have been for this value, which the read may predate.
     *
     * @param before {@link #changes()} read before the far tier was asked
     * @param key the key
     * @param value the value read
     * @param ttl how long the copy lives here
     * @param tags its tags
     */
    public void putIfUnchangedSince(long before, String key, Object value, Duration ttl, String[] tags) {
        Entry entry = entry(value, ttl, tags, stamp(tags));
        if (changes.get() != before || !store(key, entry)) {
            return;
        }
        if (changes.get() != before) {
            entries.asMap().remove(key, entry); // an invalidation raced with the put itself
        }
    }

    /** @return whether none of the entry's tags was invalidated since it was computed */
    private boolean current(Entry entry) {
        // The epoch is read before the versions: every invalidation it counts has bumped its version already, so
        // versions found current now are current at that epoch.
        long epoch = tagEpoch.get();
        if (entry.checkedAt == epoch) {
            return true;
        }
        for (int i = 0; i < entry.tags.length; i++) {
            if (version(entry.tags[i]) != entry.versions[i]) {
                return false;
            }
        }
        entry.checkedAt = epoch;
        return true;
    }

    /** @return whether the entry's own TTL has not run out (Caffeine expires a tier bounded by age at its longest) */
    private boolean alive(Entry entry) {
        return ageBound == null || ageBound.alive(entry);
    }

    /**
     * Puts an entry, unless the tier is bounded by age and full: then a new key is not stored, once expired entries
     * (and, at most once a second, entries past their own TTL) were dropped and still left no room.
     *
     * @return whether it was stored
     */
    private boolean store(String key, Entry entry) {
        AgeBound bound = ageBound;
        if (bound != null && entries.estimatedSize() >= bound.admitUpTo && !entries.asMap().containsKey(key)) {
            entries.cleanUp();
            long now = bound.ticker.read();
            long due = bound.nextSweep.get();
            if (entries.estimatedSize() >= bound.admitUpTo && now - due >= 0
                    && bound.nextSweep.compareAndSet(due, now + SWEEP_GAP)) {
                entries.asMap().values().removeIf(held -> held.expiresAt - now <= 0);
            }
            if (entries.estimatedSize() >= bound.admitUpTo) {
                evictions.increment();
                return false;
            }
        }
        entries.put(key, entry);
        return true;
    }

    private long version(String tag) {
        AtomicLong version = tagVersions.get(tag);
        return version == null ? 0 : version.get();
    }

    @Override
    public void put(String key, Object value, Duration ttl, Set<String> tags) {
        CacheInputs.entry(key, ttl, tags);
        Objects.requireNonNull(value, "value");
        String[] tagArray = tagArray(tags);
        countWrite(key); // a load running now must not replace this value with what it read before
        store(key, entry(value, ttl, tagArray, stamp(tagArray)));
    }

    /**
     * @param tags tags
     * @return them as the array the entries keep
     */
    public String[] tagArray(Set<String> tags) {
        return tags.isEmpty() ? NO_TAGS : tags.toArray(String[]::new);
    }

    /** @return the current version of each tag, and the tag epoch read before them */
    private Stamp stamp(String[] tags) {
        long epoch = tagEpoch.get();
        if (tags.length == 0) {
            return new Stamp(epoch, NO_VERSIONS);
        }
        long[] versions = new long[tags.length];
        for (int i = 0; i < tags.length; i++) {
            versions[i] = version(tags[i]);
        }
        return new Stamp(epoch, versions);
    }

    private Entry entry(Object value, Duration ttl, String[] tags, Stamp stamp) {
        long ttlNanos = ttl.toNanos();
        long expiresAt = ageBound == null ? 0 : ageBound.expiresAt(ttlNanos);
        return new Entry(value, ttlNanos, tags, stamp.versions(), stamp.epoch(), expiresAt);
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T extends @Nullable Object> T getOrLoad(String key, TypeRef<T> type, Duration ttl, Set<String> tags,
            Supplier<? extends T> loader) {
        Optional<T> cached = get(key, type);
        if (cached.isPresent()) {
            return cached.get();
        }
        CacheInputs.entry(key, ttl, tags);
        Objects.requireNonNull(loader, "loader");
        return singleFlight.run(key, LocalCache.DEFAULT_LOAD_WAIT, () -> {
            Entry again = peek(key, type.rawType()); // another caller may have finished while this one queued
            if (again != null) {
                return (T) again.value();
            }
            String[] tagArray = tagArray(tags);
            // registered before the stamp, unregistered after the store: a pattern invalidation always finds the
            // tags in one place or the other
            for (String tag : tagArray) {
                loadingTags.merge(tag, 1, Integer::sum);
            }
            try {
                long writes = writesOf(key);
                Stamp stamp = stamp(tagArray);
                T value = loads.time(loader);
                if (value != null) {
                    storeLoaded(key, entry(value, ttl, tagArray, stamp), writes);
                }
                return value;
            } finally {
                for (String tag : tagArray) {
                    loadingTags.computeIfPresent(tag, (unused, running) -> running == 1 ? null : running - 1);
                }
            }
        });
    }


    /**
     * Stores a loaded entry unless its key was invalidated, put or cleared while the loader ran: the loader may have
     * read its source before that write, and storing would bring back what the write replaced until the TTL ends
     * (tags are covered by their versions, a key by {@link #writesOf}).
     */
    private void storeLoaded(String key, Entry entry, long writesBefore) {
        if (writesOf(key) != writesBefore || !store(key, entry)) {
            return;
        }
        if (writesOf(key) != writesBefore) {
            // a write counted between the check and the store: it may have removed or replaced before this store
            entries.asMap().remove(key, entry);
        }
    }

    @Override
    public void invalidate(String key) {
        CacheInputs.key(key);
        changes.incrementAndGet();
        countWrite(key);
        entries.invalidate(key);
    }

    @Override
    public void invalidateTag(String tag) {
        changes.incrementAndGet();
        tagVersions.computeIfAbsent(CacheInputs.tag(tag), unused -> new AtomicLong()).incrementAndGet();
        tagEpoch.incrementAndGet(); // after the bump: see current()
    }

    /**
     * Bumps a tag's version, as told by another instance.
     *
     * @param tag the tag
     */
    public void observeTagInvalidated(String tag) {
        invalidateTag(tag);
    }

    @Override
    public long invalidateTags(String pattern) {
        Pattern glob = CacheInputs.glob(Objects.requireNonNull(pattern, "pattern"));
        changes.incrementAndGet();
        long matched = 0;
        for (Map.Entry<String, AtomicLong> tag : tagVersions.entrySet()) {
            if (glob.matcher(tag.getKey()).matches()) {
                tag.getValue().incrementAndGet();
                matched++;
            }
        }
        tagEpoch.incrementAndGet(); // after the bumps: see current()
        // Tags never invalidated have no counter yet: look at the running loads and the entries for them too.
        for (String tag : loadingTags.keySet()) {
            if (!tagVersions.containsKey(tag) && glob.matcher(tag).matches()) {
                invalidateTag(tag);
                matched++;
            }
        }
        for (Entry entry : entries.asMap().values()) {
            for (String tag : entry.tags) {
                if (!tagVersions.containsKey(tag) && glob.matcher(tag).matches()) {
                    invalidateTag(tag);
                    matched++;
                }
            }
        }
        return matched;
    }

    @Override
    public void clear() {
        changes.incrementAndGet();
        clears.incrementAndGet();
        entries.invalidateAll();
    }

    @Override
    public CacheStats stats() {
        com.github.benmanes.caffeine.cache.stats.CacheStats counted = entries.stats();
        long rejected = rejectedHits.sum();
        return new CacheStats(name, "local", counted.hitCount() - rejected, counted.missCount() + rejected,
                evictions.sum(), loads.loads(), loads.failures(), loads.total(), 0, 0, 0,
                entries.estimatedSize());
    }

    @Override
    public Map<String, CacheStats> tierStats() {
        return Map.of("local", stats());
    }

    /** @return how many tags have a version kept here (those invalidated so far); for tests */
    int tagVersionsHeld() {
        return tagVersions.size();
    }

    /** Runs Caffeine's pending maintenance (expiry, eviction) now; for tests. */
    public void cleanUp() {
        entries.cleanUp();
    }

    @Override
    public void close() {
        clears.incrementAndGet(); // a load still running must not store into the closed cache
        entries.invalidateAll();
    }
}
