package dev.weft.cache.redis;

import dev.weft.cache.Cache;
import dev.weft.cache.LocalCache;
import dev.weft.cache.SharedCaches;
import dev.weft.cache.spi.CacheInputs;
import dev.weft.cache.spi.CaffeineTier;
import dev.weft.core.InvalidConfigException;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Redis connection and the caches on it: Redis caches ({@link #cache(String)}) and tiered caches with a local
 * tier in front ({@link #tiered(String, long, Duration)}). One instance per process and Redis; it is what a
 * separate service instance would hold, so N instances of it behave like N processes (separate connections, one
 * load per key across them).
 *
 * <p>Opening never fails because Redis is down: the connection is made on first use and again after failures.
 *
 * <p>Thread-safe.
 */
public final class RedisCaches implements SharedCaches {
    private static final Logger LOG = LoggerFactory.getLogger(RedisCaches.class);

    private final RedisLink link;
    private final JsonCodec json = new JsonCodec();
    private final InvalidationBus bus;
    private final Map<String, Cache> caches = new ConcurrentHashMap<>();
    /** What each tiered cache was opened with, so a second call with other settings is refused, not ignored. */
    private final Map<String, LocalTier> localTiers = new ConcurrentHashMap<>();

    /** The settings of a tiered cache's local tier. */
    private record LocalTier(String kind, long maximumSize, Duration ttlCap) {
        @Override
        public String toString() {
            return kind + "(localMaximumSize=" + maximumSize + ", localTtlCap=" + ttlCap + ")";
        }
    }

    private RedisCaches(RedisConfig config) {
        this.link = RedisLink.open(config);
        this.bus = new InvalidationBus(link);
        link.breaker().getEventPublisher().onStateTransition(event -> {
            LOG.atWarn().setMessage("redis circuit breaker changed state")
                    .addKeyValue("namespace", config.namespace())
                    .addKeyValue("transition", event.getStateTransition().name()).log();
        });
    }

    /**
     * @param config the Redis URL and cache settings
     * @return the caches' home on that Redis; close it when done
     */
    public static RedisCaches connect(RedisConfig config) {
        return new RedisCaches(Objects.requireNonNull(config, "config"));
    }

    /**
     * @param name the cache's name, {@code [a-z][a-z0-9_-]{0,63}} (weft's InstanceName rule)
     * @return the Redis cache of that name (the same instance on every call)
     */
    @Override
    public Cache cache(String name) {
        CacheInputs.name(name, "cache name");
        return caches.computeIfAbsent("redis/" + name, unused -> new RedisTier(name, link, json));
    }

    /**
     * @param name the cache's name
     * @param localMaximumSize the most entries the local tier keeps
     * @param localTtlCap the longest a value lives in the local tier, however long it lives in Redis
     * @return the tiered cache of that name (the same instance on every call with the same settings, until it is
     *     closed: then a new one)
     * @throws InvalidConfigException if a tiered cache of that name is open with other settings
     */
    @Override
    public Cache tiered(String name, long localMaximumSize, Duration localTtlCap) {
        return tiered(name, new LocalTier("tiered", localMaximumSize, localTtlCap),
                () -> (CaffeineTier) LocalCache.create(name, localMaximumSize));
    }

    /**
     * @param name the cache's name
     * @param localMaximumSize the most entries the local tier keeps
     * @param localTtlCap the longest a value lives in the local tier, however long it lives in Redis
     * @return the tiered cache of that name, its local tier bounded by age (the same instance on every call with the
     *     same settings, until it is closed: then a new one)
     * @throws InvalidConfigException if a tiered cache of that name is open with other settings
     */
    @Override
    public Cache tieredByAge(String name, long localMaximumSize, Duration localTtlCap) {
        return tiered(name, new LocalTier("tieredByAge", localMaximumSize, localTtlCap),
                () -> (CaffeineTier) LocalCache.createByAge(name, localMaximumSize, localTtlCap));
    }

    private Cache tiered(String name, LocalTier settings, java.util.function.Supplier<CaffeineTier> local) {
        CacheInputs.name(name, "cache name");
        CacheInputs.ttl(settings.ttlCap());
        synchronized (localTiers) { // against a close of the same cache between the lookup and the settings check
            Cache cache = caches.computeIfAbsent("tiered/" + name, unused -> {
                TieredTier tiered = new TieredTier(name, local.get(), new RedisTier(name, link, json, true), bus,
                        settings.ttlCap(), this::closed);
                bus.register(name, tiered);
                localTiers.put(name, settings); // inside the computation: any later caller sees it
                return tiered;
            });
            LocalTier opened = localTiers.get(name);
            if (!settings.equals(opened)) {
                // Handing back the first instance would leave the caller with a local tier it did not ask for.
                throw new InvalidConfigException("weft.cache." + name, settings.toString(), "tiered cache '" + name
                        + "' is already open as " + opened + ": open it with the same settings, or use another name");
            }
            return cache;
        }
    }

    /**
     * Forgets a closed tiered cache, so that {@link #tiered} opens a new one: the closed one no longer hears other
     * instances' invalidations, and handed out again its local tier served what they had changed.
     */
    private void closed(TieredTier tiered) {
        synchronized (localTiers) {
            if (caches.remove("tiered/" + tiered.name(), tiered)) {
                localTiers.remove(tiered.name());
            }
        }
    }

    /**
     * @return the state of the circuit breaker in front of Redis: {@link RedisBreakerState#CLOSED} (healthy),
     *     {@link RedisBreakerState#OPEN} or {@link RedisBreakerState#HALF_OPEN}
     */
    public RedisBreakerState breakerState() {
        return RedisBreakerState.of(link.breaker().getState());
    }

    /**
     * Whether this instance hears the other instances' invalidations now. Only then do tiered caches use their
     * tiers; while it is {@code false} (Redis down or hung, the subscription lost, an invalidation failed moments ago)
     * they bypass both and load, and on the way back they fence their Redis entries and clear their local tier.
     *
     * @return {@code true} while listening
     */
    public boolean hearsInvalidations() {
        return bus.listening();
    }

    /**
     * @return {@code "listening"}, or why this instance is deaf ({@code "redis write failed"},
     *     {@code "subscription ping unanswered"}, {@code "subscription connection lost"}, {@code "cannot subscribe"},
     *     {@code "not subscribed yet"})
     */
    public String invalidationState() {
        return bus.state();
    }

    /**
     * The one Redis connection of these caches, to hand to the other users of the same Redis in the process (e.g.
     * {@link RedisLink#bucketStore(String)} for shared rate limits) instead of each opening a client of its own.
     * Closed with these caches.
     *
     * @return the connection's owner
     */
    public RedisLink link() {
        return link;
    }

    /** @return the Redis config, password redacted in its {@code toString} */
    public RedisConfig config() {
        return link.config();
    }

    /**
     * Observes when an invalidation from another instance has been applied here (for latency measurements).
     *
     * @param listener receives {@link System#nanoTime()} at each applied invalidation
     */
    public void onRemoteInvalidation(LongConsumer listener) {
        bus.onApplied(Objects.requireNonNull(listener, "listener"));
    }

    /** Closes the subscription and the connection. Idempotent. */
    @Override
    public void close() {
        caches.values().forEach(Cache::close);
        bus.close();
        link.close();
    }
}
