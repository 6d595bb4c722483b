package dev.weft.cache.redis;

import dev.weft.cache.Cache;
import dev.weft.cache.CacheStats;
import dev.weft.cache.TypeRef;
import dev.weft.cache.spi.CacheInputs;
import dev.weft.cache.spi.CaffeineTier;
import dev.weft.cache.spi.SingleFlight;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A local tier in front of a Redis tier. Reads try the local tier, then Redis (filling the local tier for at most
 * the entry's remaining time and the local TTL cap). Writes and invalidations go to both, and are published so every
 * other instance drops them from its local tier too.
 *
 * <p>A read that begins after a write (or invalidation) returned on any instance never sees what it replaced: the
 * writer advances the invalidation epoch in Redis before returning, and a local hit is served only once this
 * instance has applied every invalidation up to the epoch read at the hit ({@link InvalidationBus}); else Redis
 * answers, whose entries are checked against their tag versions. While the instance is deaf to invalidations,
 * neither tier is used. Redis entries carry a generation tag, so that {@link #fence()} kills them all at once.
 */
final class TieredTier implements Cache {
    private final String name;
    private final CaffeineTier local;
    private final RedisTier redis;
    private final InvalidationBus bus;
    private final Duration localTtlCap;
    private static final Logger LOG = LoggerFactory.getLogger(RedisCaches.class);
    /** Between attempts of an invalidation that Redis did not take. */
    private static final Duration RETRY_PAUSE = Duration.ofMillis(20);

    private final SingleFlight singleFlight;
    private final Duration invalidationWait;
    /** Reads answered as misses without asking either tier, because the instance was deaf. */
    private final LongAdder bypassed = new LongAdder();
    /** Loads run without either tier (deaf, or no epoch): neither tier's counters see them. */
    private final dev.weft.cache.spi.LoadTimer bypassLoads = new dev.weft.cache.spi.LoadTimer();

    /** Set by {@link #close()}: the local tier is no longer used, since invalidations no longer reach it. */
    private volatile boolean closed;
    private final java.util.function.Consumer<TieredTier> onClose;

    /** @param onClose told once when this cache is closed (its owner forgets it) */
    TieredTier(String name, CaffeineTier local, RedisTier redis, InvalidationBus bus, Duration localTtlCap,
            java.util.function.Consumer<TieredTier> onClose) {
        this.onClose = onClose;
        this.name = name;
        this.singleFlight = new SingleFlight(name);
        this.local = local;
        this.redis = redis;
        this.bus = bus;
        this.localTtlCap = localTtlCap;
        this.invalidationWait = redis.invalidationWait();
    }

    @Override
    public String name() {
        return name;
    }

    CaffeineTier local() {
        return local;
    }

    @Override
    public <T> Optional<T> get(String key, Class<T> type) {
        return get(key, TypeRef.of(type));
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> Optional<T> get(String key, TypeRef<T> type) {
        if (closed) {
            return redis.get(key, type); // unregistered: the local tier would miss other instances' invalidations
        }
        if (!bus.listening()) {
            // Deaf: the local tier may hold what another instance changed, and Redis entries may have missed
            // invalidations lost in the outage until this instance has fenced them: neither tier is asked.
            bypassed.increment();
            return Optional.empty();
        }
        CaffeineTier.Entry near = local.fresh(key, type.rawType());
        if (near != null) {
            // The epoch read now covers every write that returned before this read began; the entry must still be
            // there once that write's invalidation is known to be applied here.
            if (bus.confirmsLocalTier() && local.holds(key, near)) {
                return Optional.of((T) near.value());
            }
            local.rejectHit();
            if (!bus.listening()) {
                bypassed.increment();
                return Optional.empty();
            }
        }
        // Any local invalidation during the Redis read may concern this value: then no local copy is kept.
        long before = local.changes();
        Optional<RedisTier.Found<T>> far = redis.find(key, type, true, true);
        far.ifPresent(found -> fill(before, key, found.value(),
                found.remaining().isZero() ? localTtlCap : found.remaining(), found.tags()));
        return far.map(RedisTier.Found::value);
    }

    /** Keeps a copy read or loaded since {@code before}, unless deaf or an invalidation came in between. */
    private void fill(long before, String key, Object value, Duration ttl, String[] tags) {
        if (bus.listening() && !closed) {
            local.putIfUnchangedSince(before, key, value, ttl.compareTo(localTtlCap) > 0 ? localTtlCap : ttl, tags);
        }
    }

    /**
     * Makes every entry of this cache dead, in Redis (a new generation) and here, and tells the other instances to
     * drop their local copies: after an outage nobody knows which invalidations were lost.
     *
     * @return whether Redis took the fence (else the caller stays deaf and tries again)
     */
    boolean fence() {
        if (!redis.fence()) {
            return false;
        }
        local.clear();
        // the other instances must drop their local copies too: until they are told, the fence has not happened
        return bus.publishClear(name);
    }

    @Override
    public void put(String key, Object value, Duration ttl, Set<String> tags) {
        CacheInputs.entry(key, ttl, tags);
        long before = local.changes();
        redis.put(key, value, ttl, tags);
        // the old copy goes first; the new one stays only if no other invalidation came in meanwhile
        local.invalidate(key);
        fill(before + 1, key, value, ttl, local.tagArray(tags));
        if (!recorded(() -> bus.publishKey(name, key))) {
            unrecorded("put");
        }
    }

    @Override
    public <T extends @Nullable Object> T getOrLoad(String key, TypeRef<T> type, Duration ttl, Set<String> tags,
            Supplier<? extends T> loader) {
        if (closed) {
            return redis.getOrLoad(key, type, ttl, tags, loader); // see get()
        }
        // get() fills the local tier for the Redis entry's remaining time when another instance already loaded it
        Optional<T> found = get(key, type);
        if (found.isPresent()) {
            return found.get();
        }
        CacheInputs.entry(key, ttl, tags);
        Objects.requireNonNull(loader, "loader");
        if (!bus.listening()) {
            // deaf: nothing read from or written to either tier
            return singleFlight.alone(key, () -> bypassLoads.time(loader));
        }
        // A caller joins only a load that began after every invalidation that returned before this caller began:
        // loads are shared per epoch, never across one (a load begun before a write would hand back the old value).
        long epoch = bus.epoch();
        if (epoch < 0) {
            return singleFlight.alone(key, () -> bypassLoads.time(loader));
        }
        Duration loadWait = redis.loadWait(); // the configured wait, once in all (see RedisTier.getOrLoad)
        long deadline = System.nanoTime() + loadWait.toNanos();
        return singleFlight.run(key, key + "@" + epoch, loadWait, () -> {
            long before = local.changes();
            T value = redis.loadShared(key, type, ttl, tags, loader, deadline);
            if (value != null) {
                fill(before, key, value, ttl, local.tagArray(tags));
            }
            return value;
        });
    }

    @Override
    public void invalidate(String key) {
        CacheInputs.key(key);
        boolean taken = recorded(() -> bus.invalidate(name, false, key, redis.entryKey(key),
                redis.leaseBase(key), redis.generationKey(), redis::countError));
        local.invalidate(key);
        if (!taken) {
            unrecorded("key");
        }
    }

    @Override
    public void invalidateTag(String tag) {
        CacheInputs.tag(tag);
        boolean taken = recorded(() -> bus.invalidate(name, true, tag, redis.tagKey(tag), "", "",
                redis::countError));
        local.invalidateTag(tag);
        if (!taken) {
            unrecorded("tag");
        }
    }

    /**
     * Runs an invalidation until Redis takes it, for at most {@link RedisConfig#invalidationWait()}. Returning with an
     * invalidation Redis did not take is what let another instance, which reached Redis, serve the old value after
     * this call returned (issue 17): one that timed out on a loaded machine, or was refused while this instance's
     * connection was still reconnecting after a Redis restart, is tried again first. Tried even during an outage
     * this instance knows of: the others may be back before it is.
     */
    private boolean recorded(BooleanSupplier attempt) {
        long start = System.nanoTime();
        while (!attempt.getAsBoolean()) {
            if (System.nanoTime() - start >= invalidationWait.toNanos()) {
                return false;
            }
            try {
                Thread.sleep(RETRY_PAUSE); // a disconnected link fails at once: do not spin
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }

    /** Counts and logs an invalidation Redis did not take; this instance is deaf and fences on the way back. */
    private void unrecorded(String kind) {
        redis.invalidationFailed();
        LOG.atWarn().setMessage("cache invalidation not taken by redis: other instances may serve the old value until"
                + " this instance fences").addKeyValue("cache", name).addKeyValue("kind", kind).log();
    }

    @Override
    public long invalidateTags(String pattern) {
        long matched = redis.invalidateTags(pattern);
        local.invalidateTags(pattern);
        if (!recorded(() -> bus.publishPattern(name, pattern))) {
            unrecorded("pattern");
        }
        return matched;
    }

    @Override
    public void clear() {
        redis.clear();
        local.clear();
        if (!recorded(() -> bus.publishClear(name))) {
            unrecorded("all");
        }
    }

    @Override
    public CacheStats stats() {
        CacheStats near = local.stats();
        CacheStats far = redis.stats();
        // A read that missed locally and hit Redis is one hit, not a miss and a hit.
        return new CacheStats(name, "tiered", near.hits() + far.hits(), far.misses() + bypassed.sum(), near.evictions(),
                near.loads() + far.loads() + bypassLoads.loads(),
                near.loadFailures() + far.loadFailures() + bypassLoads.failures(),
                near.loadTime().plus(far.loadTime()).plus(bypassLoads.total()), far.errors(), far.droppedWrites(), far.unreadable(), near.size());
    }

    @Override
    public Map<String, CacheStats> tierStats() {
        Map<String, CacheStats> tiers = new LinkedHashMap<>();
        tiers.put("local", local.stats());
        tiers.put("redis", redis.stats());
        return tiers;
    }

    /**
     * Stops hearing other instances' invalidations and empties the local tier. The cache still works, on Redis alone
     * (the local tier would miss invalidations now); {@link RedisCaches#tiered} opens a new one for the name.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        // forgotten by its owner first, so that no tiered() call in between is handed this closing instance
        onClose.accept(this);
        closed = true;
        bus.unregister(name, this);
        local.close();
    }
}
