package dev.weft.cache.spi;

import dev.weft.cache.SharedCaches;
import java.util.Map;

/**
 * A store for {@link SharedCaches}, found with {@link java.util.ServiceLoader}: a module that shares caches through
 * a store (weft-cache-redis for Redis) lists its implementation in
 * {@code META-INF/services/dev.weft.cache.spi.SharedCacheProvider}. Implementations have a public no-argument
 * constructor and are thread-safe.
 */
public interface SharedCacheProvider {
    /**
     * @param url a URL from configuration
     * @return whether this provider opens it (by its scheme; without connecting)
     */
    boolean accepts(String url);

    /**
     * @param url a URL this provider {@link #accepts}
     * @return the shared caches on it, every other setting at its default
     * @throws dev.weft.core.InvalidConfigException if the URL is malformed
     */
    SharedCaches connect(String url);

    /**
     * @param env the environment, holding a URL this provider accepts under {@code WEFT_CACHE_REDIS_URL} or
     *     {@code REDIS_URL}
     * @return the shared caches configured by it
     * @throws dev.weft.core.InvalidConfigException if a setting is invalid
     */
    SharedCaches fromEnv(Map<String, String> env);
}
