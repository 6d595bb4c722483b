package dev.weft.cache.redis;

import dev.weft.cache.SharedCaches;
import dev.weft.cache.spi.SharedCacheProvider;
import java.util.Map;

/**
 * Opens {@link RedisCaches} for {@link SharedCaches#connect(String)} and {@link SharedCaches#fromEnv(Map)}: registered
 * in {@code META-INF/services}, so Redis URLs work wherever this module is on the classpath. Thread-safe (stateless).
 */
public final class RedisCacheProvider implements SharedCacheProvider {
    /** For {@link java.util.ServiceLoader}. */
    public RedisCacheProvider() {
    }

    @Override
    public boolean accepts(String url) {
        return url.startsWith("redis://") || url.startsWith("rediss://") || url.startsWith("redis-sentinel://")
                || url.startsWith("rediss-sentinel://") || url.startsWith("redis-socket://");
    }

    @Override
    public SharedCaches connect(String url) {
        return RedisCaches.connect(RedisConfig.of(url));
    }

    @Override
    public SharedCaches fromEnv(Map<String, String> env) {
        return RedisCaches.connect(RedisConfig.fromEnv(env).orElseThrow(
                () -> new dev.weft.core.InvalidConfigException("weft.cache.redis.url (REDIS_URL)", null, "must be set")));
    }
}
