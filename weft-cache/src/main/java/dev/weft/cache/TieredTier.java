package dev.weft.cache;

import dev.weft.cache.internal.CacheInputs;
import dev.weft.cache.internal.SingleFlight;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * A local tier in front of a Redis tier. Reads try the local tier, then Redis (filling the local tier for at most
 * the entry's remaining time and the local TTL cap). Writes and invalidations go to both, and invalidations are
 * published so every other instance drops them from its local tier too. The local tier of another instance can
 * therefore serve an invalidated value for as long as the publication takes to arrive (measured in
 * docs/BENCHMARKS.md); after a Redis outage the local tier is cleared, since publications may have been missed.
 */
final class TieredTier implements Cache {
    private final String name;
    private final CaffeineTier local;
    private final RedisTier redis;
    private final InvalidationBus bus;
    private final Duration localTtlCap;
    private final SingleFlight singleFlight = new SingleFlight();

    TieredTier(String name, CaffeineTier local, RedisTier redis, InvalidationBus bus, Duration localTtlCap) {
        this.name = name;
        this.local = local;
        this.redis = redis;
        this.bus = bus;
        this.localTtlCap = localTtlCap;
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
    public <T> Optional<T> get(String key, TypeRef<T> type) {
        Optional<T> near = local.get(key, type);
        if (near.isPresent()) {
            return near;
        }
        // Any local invalidation during the Redis read may concern this value: then no local copy is kept.
        long before = local.changes();
        Optional<RedisTier.Found<T>> far = redis.find(key, type, true, true);
        far.ifPresent(found -> {
            Duration ttl = found.remaining().isZero() || found.remaining().compareTo(localTtlCap) > 0 ? localTtlCap
                    : found.remaining();
            local.putIfUnchangedSince(before, key, found.value(), ttl, found.tags());
        });
        return far.map(RedisTier.Found::value);
    }

    @Override
    public void put(String key, Object value, Duration ttl, Set<String> tags) {
        redis.put(key, value, ttl, tags);
        local.put(key, value, ttl.compareTo(localTtlCap) > 0 ? localTtlCap : ttl, tags);
        bus.publishKey(name, key);
    }

    @Override
    public <T> T getOrLoad(String key, TypeRef<T> type, Duration ttl, Set<String> tags,
            Supplier<? extends T> loader) {
        // get() fills the local tier for the Redis entry's remaining time when another instance already loaded it
        Optional<T> found = get(key, type);
        if (found.isPresent()) {
            return found.get();
        }
        CacheInputs.entry(key, ttl, tags);
        Objects.requireNonNull(loader, "loader");
        return singleFlight.run(key, RedisConfig.DEFAULT_LOAD_WAIT, () -> {
            long before = local.changes();
            T value = redis.getOrLoad(key, type, ttl, tags, loader);
            if (value != null) {
                local.putIfUnchangedSince(before, key, value, ttl.compareTo(localTtlCap) > 0 ? localTtlCap : ttl,
                        local.tagArray(tags));
            }
            return value;
        });
    }

    @Override
    public void invalidate(String key) {
        redis.invalidate(key);
        local.invalidate(key);
        bus.publishKey(name, key);
    }

    @Override
    public void invalidateTag(String tag) {
        redis.invalidateTag(tag);
        local.invalidateTag(tag);
        bus.publishTag(name, tag);
    }

    @Override
    public long invalidateTags(String pattern) {
        long matched = redis.invalidateTags(pattern);
        local.invalidateTags(pattern);
        bus.publishPattern(name, pattern);
        return matched;
    }

    @Override
    public void clear() {
        redis.clear();
        local.clear();
        bus.publishClear(name);
    }

    @Override
    public CacheStats stats() {
        CacheStats near = local.stats();
        CacheStats far = redis.stats();
        // A read that missed locally and hit Redis is one hit, not a miss and a hit.
        return new CacheStats(name, "tiered", near.hits() + far.hits(), far.misses(), near.evictions(),
                near.loads() + far.loads(), near.loadFailures() + far.loadFailures(),
                near.loadTime().plus(far.loadTime()), far.errors(), far.droppedWrites(), near.size());
    }

    @Override
    public Map<String, CacheStats> tierStats() {
        Map<String, CacheStats> tiers = new LinkedHashMap<>();
        tiers.put("local", local.stats());
        tiers.put("redis", redis.stats());
        return tiers;
    }

    @Override
    public void close() {
        bus.unregister(name, this);
        local.close();
    }
}
