package dev.weft.cache.redis;

import dev.weft.cache.Cache;
import dev.weft.cache.CacheException;
import dev.weft.cache.CacheStats;
import dev.weft.cache.TypeRef;
import dev.weft.cache.spi.CacheInputs;
import dev.weft.cache.spi.SingleFlight;
import io.lettuce.core.KeyValue;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.sync.RedisCommands;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The Redis tier. Entries live at {@code <namespace>:<cache>:<key>} with a TTL on every write, as
 * {@code w1 tag=version ...\n<json>}; tag versions at {@code <namespace>:<cache>.tag:<tag>} (counters, never
 * deleted); load leases at {@code <namespace>:<cache>.lease:<key>}. A read checks the entry's tag versions in
 * the same script, so an invalidated entry is never returned. The entry layout is {@link EntryFormat}'s, a lease is a
 * {@link LoadLease}. A loaded value is written only while its loader still holds the lease: an invalidation, put or
 * clear of the key deletes the lease, so a load that began before it cannot write back the value it replaced.
 *
 * <p>Values are JSON ({@link JsonCodec}): a read builds a new object of the type asked for, so types the caller leaves
 * open (the values of a {@code Map<String, Object>}) come back as JSON's ({@code Integer}, {@code Double},
 * {@code Map}, {@code List}), as {@link Cache} documents. An entry not readable as the type asked for is a miss,
 * counted in {@link UnreadableEntries}.
 */
final class RedisTier implements Cache {
    /** The fallback of a read that Redis did not answer (compared by identity). */
    private static final List<Object> FAILED = new ArrayList<>();
    /** Fallbacks of a plain read (compared by identity): no entry, and no answer from Redis. */
    private static final byte[] ABSENT = new byte[0];
    private static final byte[] UNANSWERED = new byte[0];
    private static final String[] NO_TAGS = new String[0];

    /** GET with the tag check: returns {entry, pttl} or nil; deletes an entry whose tags moved on. */
    private static final String GET = """
            local v = redis.call('GET', KEYS[1])
            if not v then return nil end
            local nl = string.find(v, '\\n', 1, true)
            if string.sub(v, 1, 2) ~= 'w1' or not nl then return nil end
            for tag, ver in string.gmatch(string.sub(v, 3, nl - 1), '([^= ]+)=(%d+)') do
              local current = redis.call('GET', ARGV[1] .. tag) or '0'
              if current ~= ver then
                redis.call('DEL', KEYS[1])
                return nil
              end
            end
            return {v, redis.call('PTTL', KEYS[1])}
            """;
    /**
     * Deletes the lease of a key (KEYS[2] its base, ARGV[4] the generation tag's key, or empty): a load holding it
     * began before the write that runs this, so its value must not be written ({@link #WRITE_LOADED}). A generational
     * tier leases per generation, so the lease's name is completed here with the current generation.
     */
    static final String DROP_LEASE = """
            local function drop_lease(base, generation)
              if generation == '' then
                redis.call('DEL', base)
              else
                redis.call('DEL', base .. '@' .. (redis.call('GET', generation) or '0'))
              end
            end
            """;
    /**
     * SET with TTL, making sure each tag has a version counter (so a pattern invalidation finds it), and dropping the
     * key's lease: a load running now read its source before this put, and must not replace it.
     */
    private static final String PUT = DROP_LEASE + """
            redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
            for i = 5, #ARGV do redis.call('SET', ARGV[3] .. ARGV[i], '0', 'NX') end
            drop_lease(KEYS[2], ARGV[4])
            return 1
            """;
    /**
     * The write of a loaded value: only while the loader still holds its lease (KEYS[2], token ARGV[4]). An
     * invalidation, put or clear of the key during the load deleted the lease, and the value, read before it, stays
     * unwritten. Returns 1 if written, 0 if refused.
     */
    private static final String WRITE_LOADED = """
            if redis.call('GET', KEYS[2]) ~= ARGV[4] then return 0 end
            redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
            for i = 5, #ARGV do redis.call('SET', ARGV[3] .. ARGV[i], '0', 'NX') end
            return 1
            """;
    /** DEL of an entry and its lease (see {@link #DROP_LEASE}). */
    private static final String DROP = DROP_LEASE + """
            redis.call('DEL', KEYS[1])
            drop_lease(KEYS[2], ARGV[1])
            return 1
            """;

    /**
     * The tag a generational tier adds to every entry; {@code #} is outside the tags callers may use, so it never
     * collides with one of theirs.
     */
    static final String GENERATION_TAG = "#generation";

    private final boolean generational;
    private final String name;
    private final RedisLink link;
    private final JsonCodec json;
    private final String entryPrefix;
    private final String tagPrefix;
    private final byte[] tagPrefixBytes;
    private final String leasePrefix;
    private final SingleFlight singleFlight;
    private final LongAdder hits = new LongAdder();
    private final LongAdder misses = new LongAdder();
    private final dev.weft.cache.spi.LoadTimer loads = new dev.weft.cache.spi.LoadTimer();
    private final LongAdder errors = new LongAdder();
    private final DroppedWrites droppedWrites;
    private final UnreadableEntries unreadable;
    /** Whether the entries last read carried tags; chooses between the plain GET and the checking script. */
    private volatile boolean tagged;
    /** An invalidation was lost to an outage: on recovery this cache's entries must all go. */
    private final AtomicBoolean lostInvalidation = new AtomicBoolean();

    RedisTier(String name, RedisLink link, JsonCodec json) {
        this(name, link, json, false);
    }

    /**
     * @param generational whether every entry also carries {@link #GENERATION_TAG}, so {@link #fence()} can make all
     *     entries written before it dead in one step (the tiered cache does this after an outage)
     */
    RedisTier(String name, RedisLink link, JsonCodec json, boolean generational) {
        this.generational = generational;
        this.name = name;
        this.singleFlight = new SingleFlight(name);
        this.unreadable = new UnreadableEntries(name);
        this.droppedWrites = new DroppedWrites(name, link.config().commandTimeout(), System::nanoTime);
        this.link = link;
        this.json = json;
        String namespace = link.config().namespace();
        this.entryPrefix = namespace + ":" + name + ":";
        this.tagPrefix = namespace + ":" + name + ".tag:";
        this.tagPrefixBytes = RedisLink.bytes(tagPrefix);
        this.leasePrefix = namespace + ":" + name + ".lease:";
    }

    @Override
    public String name() {
        return name;
    }

    String entryKey(String key) {
        return entryPrefix + key;
    }

    /** @return the key's lease key, without the generation a generational tier appends ({@link #DROP_LEASE}) */
    String leaseBase(String key) {
        return leasePrefix + key;
    }

    /** @return the key of the generation tag's version, or empty for a tier that is not generational */
    String generationKey() {
        return generational ? tagPrefix + GENERATION_TAG : "";
    }

    /** @return how long a tiered cache retries an invalidation Redis did not take ({@link RedisConfig}) */
    Duration invalidationWait() {
        return link.config().invalidationWait();
    }

    /** Counts one failed Redis call made for this tier by another class (the invalidation bus). */
    void countError() {
        errors.increment();
    }

    /** @return the Redis key of a tag's version (INCR invalidates every entry stored with the tag) */
    String tagKey(String tag) {
        return tagPrefix + tag;
    }

    /** A value read from Redis with the time it has left and the tags it was stored with. */
    record Found<T>(T value, Duration remaining, String[] tags) {
    }

    @Override
    public <T> Optional<T> get(String key, Class<T> type) {
        return get(key, TypeRef.of(type));
    }

    @Override
    public <T> Optional<T> get(String key, TypeRef<T> type) {
        return find(key, type).map(Found::value);
    }

    <T> Optional<Found<T>> find(String key, TypeRef<T> type) {
        return find(key, type, true);
    }

    /** @param count whether this read counts in the stats (a caller's read does, internal re-checks do not) */
    <T> Optional<Found<T>> find(String key, TypeRef<T> type, boolean count) {
        return find(key, type, count, false);
    }

    /**
     * @param count whether this read counts in the stats
     * @param withTtl whether the remaining time is needed (the tiered cache sizes its local copy by it)
     */
    <T> Optional<Found<T>> find(String key, TypeRef<T> type, boolean count, boolean withTtl) {
        CacheInputs.key(key);
        if (!withTtl && !tagged) {
            // Fast path: a plain GET; only an entry with tags needs the script that checks their versions.
            byte[] plain = link.call(redis -> {
                byte[] reply = redis.get(entryKey(key));
                return reply == null ? ABSENT : reply;
            }, () -> UNANSWERED, errors::increment);
            afterSuccessfulCall(plain != UNANSWERED);
            if (plain == ABSENT || plain == UNANSWERED) {
                if (count) {
                    misses.increment();
                }
                return Optional.empty();
            }
            if (EntryFormat.untagged(plain)) {
                Optional<T> value = json.decode(plain, EntryFormat.UNTAGGED_HEADER_LENGTH, type, unreadable);
                if (count) {
                    (value.isPresent() ? hits : misses).increment();
                }
                return value.map(v -> new Found<>(v, Duration.ZERO, NO_TAGS));
            }
            // This cache holds tagged entries (a query cache, say): read them with the checking script directly
            // from now on, instead of a GET that must be followed by the script anyway.
            tagged = true;
        }
        List<?> found = link.call(redis -> {
            List<?> reply = (List<?>) link.script(redis, GET, ScriptOutputType.MULTI, new String[] {entryKey(key)},
                    tagPrefixBytes);
            return reply == null ? List.of() : reply;
        }, () -> FAILED, errors::increment);
        afterSuccessfulCall(found != FAILED);
        if (found.size() < 2) {
            if (count) {
                misses.increment();
            }
            return Optional.empty();
        }
        byte[] entry = (byte[]) found.get(0);
        long pttl = found.get(1) instanceof Long millis ? millis : -1;
        int bodyStart = EntryFormat.bodyStart(entry);
        if (bodyStart == EntryFormat.UNTAGGED_HEADER_LENGTH) {
            tagged = false; // untagged entries again: the plain GET suffices
        }
        Optional<T> value = json.decode(entry, bodyStart, type, unreadable);
        if (count) {
            (value.isPresent() ? hits : misses).increment();
        }
        return value.map(v -> new Found<>(v, pttl > 0 ? Duration.ofMillis(pttl) : Duration.ZERO,
                EntryFormat.tags(entry, bodyStart)));
    }

    @Override
    public void put(String key, Object value, Duration ttl, Set<String> tags) {
        CacheInputs.entry(key, ttl, tags);
        Objects.requireNonNull(value, "value");
        byte[] payload = json.encode(value, name, key); // fails before anything is written
        // A put replaces what others read: on a thread interrupted by a cancelled request it runs whole (its tag
        // versions too, which RedisLink would otherwise answer as a miss), bounded by the command timeout per call.
        boolean interrupted = Thread.interrupted();
        try {
            put(key, payload, tagArray(tags), ttl);
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void put(String key, byte[] payload, String[] tagArray, Duration ttl) {
        long[] versions = tagArray.length == 0 ? new long[0] : versions(tagArray);
        if (versions == null) {
            droppedWrites.value(key, payload.length);
            remove(key); // the old value must not outlive this put
            return;
        }
        if (!write(key, payload, ttl, tagArray, versions)) {
            lostInvalidation.set(true); // the old value may still be there: recovery clears this cache
        }
    }

    private String[] tagArray(Set<String> tags) {
        String[] array = tags.toArray(new String[tags.size() + (generational ? 1 : 0)]);
        if (generational) {
            array[tags.size()] = GENERATION_TAG;
        }
        return array;
    }

    /**
     * Makes every entry written so far a miss, atomically (one INCR of the generation tag); entries loaded under the
     * old generation are refused when written. Only for a generational tier.
     *
     * @return whether Redis took it
     */
    boolean fence() {
        Long version = link.callAlways(redis -> redis.incr(tagPrefix + GENERATION_TAG), () -> null,
                errors::increment);
        return version != null;
    }

    /** The current versions of tags, or {@code null} if Redis did not answer. */
    long @Nullable [] versions(String[] tags) {
        String[] keys = new String[tags.length];
        for (int i = 0; i < tags.length; i++) {
            keys[i] = tagPrefix + tags[i];
        }
        List<KeyValue<String, byte[]>> values = link.call(redis -> redis.mget(keys), () -> null, errors::increment);
        if (values == null) {
            return null;
        }
        long[] versions = new long[tags.length];
        for (int i = 0; i < tags.length; i++) {
            KeyValue<String, byte[]> value = values.get(i);
            versions[i] = value.hasValue() ? Long.parseLong(new String(value.getValue(), StandardCharsets.US_ASCII)) : 0;
        }
        return versions;
    }

    /**
     * A put: replaces a value others may read, so it is written even while the breaker is open, and drops the key's
     * lease so that a load running now does not write over it.
     *
     * @return whether Redis took it
     */
    private boolean write(String key, byte[] payload, Duration ttl, String[] tags, long[] versions) {
        byte[] entry = EntryFormat.entry(payload, tags, versions);
        byte[][] args = arguments(entry, ttl, tags, RedisLink.bytes(generationKey()));
        Boolean written = link.callAlways(redis -> {
            link.script(redis, PUT, ScriptOutputType.INTEGER, new String[] {entryKey(key), leaseBase(key)}, args);
            return Boolean.TRUE;
        }, () -> Boolean.FALSE, errors::increment);
        if (!written) {
            droppedWrites.value(key, entry.length);
        }
        afterSuccessfulCall(written);
        return written;
    }

    /**
     * Writes a loaded value, computed under {@code versions}, if {@code lease} is still held: an invalidation, put or
     * clear of the key since the load began deleted it, and the value may be what that write replaced.
     */
    private void writeLoaded(String key, byte[] payload, Duration ttl, String[] tags, long[] versions,
            LoadLease lease) {
        byte[] entry = EntryFormat.entry(payload, tags, versions);
        byte[][] args = arguments(entry, ttl, tags, lease.token());
        Long written = link.call(redis -> (Long) link.script(redis, WRITE_LOADED, ScriptOutputType.INTEGER,
                new String[] {entryKey(key), lease.key()}, args), () -> null, errors::increment);
        if (written == null) {
            droppedWrites.value(key, entry.length);
        }
        afterSuccessfulCall(written != null);
    }

    /** @return the arguments of {@link #PUT} and {@link #WRITE_LOADED}: entry, PX, tag prefix, {@code fourth}, tags */
    private byte[][] arguments(byte[] entry, Duration ttl, String[] tags, byte[] fourth) {
        byte[][] args = new byte[4 + tags.length][];
        args[0] = entry;
        args[1] = RedisLink.bytes(ttl);
        args[2] = tagPrefixBytes;
        args[3] = fourth;
        for (int i = 0; i < tags.length; i++) {
            args[4 + i] = RedisLink.bytes(tags[i]);
        }
        return args;
    }

    @Override
    public <T extends @Nullable Object> T getOrLoad(String key, TypeRef<T> type, Duration ttl, Set<String> tags,
            Supplier<? extends T> loader) {
        Optional<T> cached = get(key, type);
        if (cached.isPresent()) {
            return cached.get();
        }
        CacheInputs.entry(key, ttl, tags);
        Objects.requireNonNull(loader, "loader");
        // One load wait in all: a caller that waited it out for this JVM's load must not wait again for the lease
        // that same load holds.
        long deadline = System.nanoTime() + loadWait().toNanos();
        return singleFlight.run(key, loadWait(),
                () -> loadAcrossInstances(key, type, ttl, tagArray(tags), loader, deadline));
    }

    /** @return how long a caller waits for another caller's load ({@link RedisConfig#loadWait()}) */
    Duration loadWait() {
        return link.config().loadWait();
    }

    /**
     * {@link #getOrLoad} without this JVM's single flight, for a caller that shares loads on its own terms (the
     * tiered cache shares them per invalidation epoch). Loads are still shared across instances through the lease.
     */
    <T extends @Nullable Object> T loadShared(String key, TypeRef<T> type, Duration ttl, Set<String> tags,
            Supplier<? extends T> loader, long deadline) {
        return loadAcrossInstances(key, type, ttl, tagArray(tags), loader, deadline);
    }

    /**
     * Takes the key's lease and loads, or waits for the instance holding it, polling with backoff, until its value
     * lands, the lease is free to take, or {@code deadline} ({@link System#nanoTime()}) passes (then loads here rather
     * than hang).
     */
    <T extends @Nullable Object> T loadAcrossInstances(String key, TypeRef<T> type, Duration ttl, String[] tags,
            Supplier<? extends T> loader, long deadline) {
        long pause = 2;
        while (true) {
            Optional<T> landed = find(key, type, false).map(Found::value);
            if (landed.isPresent()) {
                return landed.get();
            }
            long[] versions = tags.length == 0 ? new long[0] : versions(tags);
            // A generational tier leases per generation: a lease orphaned by a holder that lost Redis (released
            // nothing, renewed nothing) is left behind by the fence that follows, instead of stalling every
            // instance's load of this key for up to the lease time.
            String leaseKey = generational && versions != null && versions.length > 0
                    ? leasePrefix + key + "@" + versions[versions.length - 1] : leasePrefix + key;
            LoadLease lease = new LoadLease(link, leaseKey, name, errors::increment);
            LoadLease.Taken taken = versions == null ? LoadLease.Taken.DOWN : lease.take();
            if (taken == LoadLease.Taken.DOWN) {
                // Redis is down: load here and write nothing; the caller must not wait for an outage.
                return loads.time(loader);
            }
            if (taken == LoadLease.Taken.TAKEN) {
                // The previous holder may have written the value and released the lease between this caller's
                // read and its SET NX: look once more before loading again.
                Optional<T> justLanded = find(key, type, false).map(Found::value);
                if (justLanded.isPresent()) {
                    lease.release();
                    return justLanded.get();
                }
                // TAKEN needs the versions read (without them take() is not called: DOWN)
                return loadUnderLease(key, ttl, tags, Objects.requireNonNull(versions, "versions"), loader, lease);
            }
            if (System.nanoTime() - deadline >= 0) {
                // Loaded without the lease, so nothing would tell this load that the key was invalidated or put
                // while it ran: its value is returned and not written (the lease's holder writes its own).
                return loads.time(loader);
            }
            sleep(pause + ThreadLocalRandom.current().nextLong(pause + 1));
            pause = Math.min(50, pause * 2);
        }
    }

    private <T extends @Nullable Object> T loadUnderLease(String key, Duration ttl, String[] tags, long[] versions,
            Supplier<? extends T> loader, LoadLease lease) {
        java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(1);
        lease.renewUntil(done);
        try {
            T value = loads.time(loader);
            if (value != null) {
                // written also if the caller was cancelled meanwhile: the value is loaded, and skipped it would be
                // counted as a dropped write while Redis is fine
                byte[] payload = json.encode(value, name, key);
                LoadLease.uninterrupted(() -> writeLoaded(key, payload, ttl, tags, versions, lease));
            }
            return value;
        } finally {
            done.countDown(); // not an interrupt: that could cut a Redis call short and count as a Redis failure
            lease.release();
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CacheException(dev.weft.core.ErrorKind.UNAVAILABLE, "cache_interrupted",
                    "interrupted while waiting for another instance's load", e);
        }
    }

    @Override
    public void invalidate(String key) {
        remove(key);
    }

    /** @return whether Redis took the removal */
    boolean remove(String key) {
        CacheInputs.key(key);
        return invalidation(redis -> {
            link.script(redis, DROP, ScriptOutputType.INTEGER, new String[] {entryKey(key), leaseBase(key)},
                    RedisLink.bytes(generationKey()));
            return 1L;
        });
    }

    @Override
    public void invalidateTag(String tag) {
        bumpTag(tag);
    }

    /** @return whether Redis took the new tag version */
    boolean bumpTag(String tag) {
        CacheInputs.tag(tag);
        return invalidation(redis -> redis.incr(tagPrefix + tag));
    }

    @Override
    public long invalidateTags(String pattern) {
        CacheInputs.tag(pattern.replace('?', '_'));
        Long matched = link.callAlways(redis -> {
            long count = 0;
            for (String tagKey : scan(redis, tagPrefix + pattern)) {
                redis.incr(tagKey);
                count++;
            }
            return count;
        }, () -> null, errors::increment);
        if (matched == null) {
            lost();
            return 0;
        }
        return matched;
    }

    /** @return whether Redis took it */
    private boolean invalidation(java.util.function.Function<RedisCommands<String, byte[]>, Long> call) {
        Long done = link.callAlways(call, () -> null, errors::increment);
        if (done == null) {
            lost();
            return false;
        }
        return true;
    }

    /**
     * Counts an invalidation that Redis did not take when a caller other than this tier ran it (a tiered cache's
     * invalidation script): one dropped write, and recovery clears this cache.
     */
    void invalidationFailed() {
        lost();
    }

    private void lost() {
        droppedWrites.invalidation();
        lostInvalidation.set(true);
    }

    /**
     * After an outage that lost invalidations, the first successful call deletes all of this cache's entries:
     * nobody can tell which ones those invalidations would have removed.
     */
    private void afterSuccessfulCall(boolean succeeded) {
        if (succeeded && lostInvalidation.compareAndSet(true, false)) {
            Thread.ofVirtual().name("weft-cache-recover-" + name).start(this::clear);
        }
    }

    @Override
    public void clear() {
        Boolean cleared = link.callAlways(redis -> {
            // The leases first, deleted before the entries are even listed: a load running now read its source
            // before the clear, and once its lease is gone it writes nothing. Listed with the entries, a load could
            // still hold its lease when the entry scan passed its key, write, and outlive the clear.
            unlinkAll(redis, scan(redis, leasePrefix + "*"));
            unlinkAll(redis, scan(redis, entryPrefix + "*"));
            return Boolean.TRUE;
        }, () -> Boolean.FALSE, errors::increment);
        if (!cleared) {
            lost();
        }
    }

    private static void unlinkAll(RedisCommands<String, byte[]> redis, List<String> keys) {
        for (int from = 0; from < keys.size(); from += 500) {
            redis.unlink(keys.subList(from, Math.min(keys.size(), from + 500)).toArray(String[]::new));
        }
    }

    private static List<String> scan(RedisCommands<String, byte[]> redis, String match) {
        List<String> keys = new ArrayList<>();
        ScanCursor cursor = ScanCursor.INITIAL;
        ScanArgs args = ScanArgs.Builder.matches(match).limit(500);
        do {
            var page = redis.scan(cursor, args);
            keys.addAll(page.getKeys());
            cursor = page;
        } while (!cursor.isFinished());
        return keys;
    }

    @Override
    public CacheStats stats() {
        return new CacheStats(name, "redis", hits.sum(), misses.sum(), 0, loads.loads(), loads.failures(),
                loads.total(), errors.sum(), droppedWrites.count(), unreadable.count(), -1);
    }

    @Override
    public Map<String, CacheStats> tierStats() {
        return Map.of("redis", stats());
    }

    @Override
    public void close() {
        // the connection belongs to RedisCaches
    }
}
