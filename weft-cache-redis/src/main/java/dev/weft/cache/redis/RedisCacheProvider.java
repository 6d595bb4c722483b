package dev.weft.cache.redis;

import dev.weft.cache.SharedBucketStore;
import dev.weft.cache.SharedCaches;
import dev.weft.core.ratelimit.BucketStore;
import dev.weft.core.ratelimit.RateLimit;
import dev.weft.cache.spi.SharedCacheProvider;
import java.util.Map;

/**
 * Opens {@link RedisCaches} for {@link SharedCaches#connect(String)} and {@link SharedCaches#fromEnv(Map)}, and a
 * {@link RedisLink} of its own for {@link SharedCaches#bucketStore}: registered in {@code META-INF/services}, so Redis
 * URLs work wherever this module is on the classpath. Thread-safe (stateless).
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

    /** Opens a link of its own (connecting now; if Redis is down, the buckets start local and it keeps trying). */
    @Override
    public SharedBucketStore bucketStore(String url, String prefix) {
        RedisLink link = RedisLink.open(RedisConfig.of(url));
        try {
            return new LinkBucketStore(link, link.bucketStore(prefix));
        } catch (RuntimeException e) {
            link.close();
            throw e;
        }
    }

    /** A link's bucket store that closes the link with it: the caller owns this link alone. */
    private record LinkBucketStore(RedisLink link, BucketStore store) implements SharedBucketStore {
        @Override
        public boolean ready() {
            return store.ready();
        }

        @Override
        public long tryConsume(String key, RateLimit limit) {
            return store.tryConsume(key, limit);
        }

        @Override
        public void close() {
            link.close();
        }
    }
}
