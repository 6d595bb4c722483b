package dev.weft.cache;

import dev.weft.cache.spi.SharedCacheProvider;
import dev.weft.core.InvalidConfigException;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.ServiceLoader;

/**
 * Caches shared by every instance through a store outside the process, opened by URL: Redis caches and tiered caches
 * (a local tier in front of Redis) when {@code dev.weft:weft-cache-redis} is on the classpath, and stores for shared
 * token buckets ({@link #bucketStore}) for a caller given only a URL. The store's module
 * registers a {@link SharedCacheProvider}; weft-cache itself holds no client, so a user of only the local tier pulls
 * no Redis client.
 *
 * <pre>{@code
 * try (SharedCaches shared = SharedCaches.connect("redis://cache:6379")) {
 *     Cache profiles = shared.tiered("profiles", 10_000, Duration.ofMinutes(1));
 * }
 * }</pre>
 *
 * <p>Thread-safe.
 */
public interface SharedCaches extends AutoCloseable {
    /** The artifact that shares caches through Redis; named in the error when it is missing. */
    String REDIS_ARTIFACT = "dev.weft:weft-cache-redis";

    /**
     * @param name the cache's name, {@code [a-z][a-z0-9_-]{0,63}} (weft's InstanceName rule)
     * @return the shared cache of that name (the same instance on every call)
     */
    Cache cache(String name);

    /**
     * @param name the cache's name
     * @param localMaximumSize the most entries the local tier keeps
     * @param localTtlCap the longest a value lives in the local tier, however long it lives in the shared store
     * @return the tiered cache of that name (the same instance on every call with the same settings)
     * @throws dev.weft.core.InvalidConfigException if a tiered cache of that name is already open with other settings
     *     (other sizes, or bounded by age)
     */
    Cache tiered(String name, long localMaximumSize, Duration localTtlCap);

    /**
     * A tiered cache whose local tier is bounded by age ({@link LocalCache#createByAge}): for many keys that are each
     * read often, such as credentials.
     *
     * @param name the cache's name
     * @param localMaximumSize the most entries the local tier keeps; beyond it new keys are served from the shared
     *     store until local entries expire
     * @param localTtlCap the longest a value lives in the local tier, however long it lives in the shared store
     * @return the tiered cache of that name (the same instance on every call with the same settings)
     * @throws dev.weft.core.InvalidConfigException if a tiered cache of that name is already open with other settings
     */
    Cache tieredByAge(String name, long localMaximumSize, Duration localTtlCap);

    /** Releases the connection and every cache made from it. Idempotent. */
    @Override
    void close();

    /**
     * Opens the shared caches a URL names, through the provider on the classpath that accepts it.
     *
     * @param url e.g. {@code redis://host:6379/0}
     * @return the caches' home; close it when done
     * @throws InvalidConfigException if no provider accepts the URL, naming the artifact to add (for Redis URLs,
     *     {@value #REDIS_ARTIFACT}), or if the provider refuses the URL
     */
    static SharedCaches connect(String url) {
        Objects.requireNonNull(url, "url");
        return provider(url, "weft.cache.redis.url").connect(url);
    }

    /**
     * Reads {@code WEFT_CACHE_REDIS_URL} (alias {@code REDIS_URL}) and the provider's other settings (e.g.
     * {@code WEFT_CACHE_NAMESPACE}).
     *
     * @param env the environment
     * @return the shared caches, or empty if no URL is set
     * @throws InvalidConfigException if a URL is set but no provider on the classpath accepts it
     */
    static Optional<SharedCaches> fromEnv(Map<String, String> env) {
        Objects.requireNonNull(env, "env");
        String url = env.getOrDefault("WEFT_CACHE_REDIS_URL", env.get("REDIS_URL"));
        if (url == null || url.isBlank()) {
            return Optional.empty();
        }
        return Optional.of(provider(url.trim(), "weft.cache.redis.url (REDIS_URL)").fromEnv(env));
    }

    /**
     * Opens a store for shared token buckets ({@code dev.weft.core.ratelimit.TokenBuckets#shared}) on a connection of
     * its own, through the provider on the classpath that accepts the URL. For a caller given only a URL; a caller
     * that holds the process's Redis connection takes the store from it instead and opens nothing.
     *
     * @param url e.g. {@code redis://host:6379}
     * @param prefix the start of every bucket's key in the store, e.g. {@code weft:http:rate:}
     * @param setting the configuration key the URL came from, named in errors
     * @return the store; close it when done (it owns its connection)
     * @throws InvalidConfigException naming {@code setting} if no provider accepts the URL (for Redis URLs, naming
     *     {@value #REDIS_ARTIFACT}) or if the provider refuses the URL; never because the store is down
     */
    static SharedBucketStore bucketStore(String url, String prefix, String setting) {
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(prefix, "prefix");
        Objects.requireNonNull(setting, "setting");
        return provider(url, setting).bucketStore(url, prefix);
    }

    private static SharedCacheProvider provider(String url, String setting) {
        for (SharedCacheProvider provider : ServiceLoader.load(SharedCacheProvider.class,
                SharedCaches.class.getClassLoader())) {
            if (provider.accepts(url)) {
                return provider;
            }
        }
        String scheme = url.contains("://") ? url.substring(0, url.indexOf("://")) : "";
        // Only the scheme: the rest of the URL may hold a password.
        String shown = scheme.isEmpty() ? "(no scheme)" : scheme + "://...";
        if (scheme.startsWith("redis")) {
            throw new InvalidConfigException(setting, shown, "needs " + REDIS_ARTIFACT
                    + " on the classpath: weft-cache holds no Redis client; add the dependency " + REDIS_ARTIFACT);
        }
        throw new InvalidConfigException(setting, shown, "no shared cache provider on the classpath accepts the scheme '"
                + scheme + "' (Redis URLs need " + REDIS_ARTIFACT + ")");
    }
}
