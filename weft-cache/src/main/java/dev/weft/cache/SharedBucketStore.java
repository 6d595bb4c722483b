package dev.weft.cache;

import dev.weft.core.ratelimit.BucketStore;

/**
 * A {@link BucketStore} that owns the connection it runs on, opened by URL with
 * {@link SharedCaches#bucketStore(String, String, String)} for a caller that holds no connection of its own (e.g. a
 * weft-http client given only a Redis URL). Closing it closes that connection. A caller that already holds the
 * process's Redis connection takes a store from it instead (weft-cache-redis's {@code RedisLink.bucketStore}) and
 * opens nothing. Thread-safe.
 */
public interface SharedBucketStore extends BucketStore, AutoCloseable {
    /** Closes the store's connection; later calls fail (and the token buckets fall back to local ones). Idempotent. */
    @Override
    void close();
}
