package dev.weft.core.ratelimit;

/**
 * A place outside the process that holds token buckets for every instance (implemented by weft-cache-redis's
 * {@code RedisLink.bucketStore}). {@link TokenBuckets#shared} calls it and owns the policy for when it fails; a
 * store only answers or throws.
 *
 * <p>Implementations are thread-safe, and every call has a short deadline (a hung store must cost a caller
 * milliseconds). The store's owner (the connection's owner) closes it, not the buckets that use it.
 */
public interface BucketStore {
    /**
     * Whether a call has a chance now (e.g. the connection is open). Must not block; a store that is not ready may
     * start reconnecting in the background.
     *
     * @return {@code false} to use the local buckets without trying
     */
    boolean ready();

    /**
     * Takes one permit from the bucket of {@code key}, creating it with {@code limit} if absent.
     *
     * @param key the bucket's key, unique in the store (the store may prefix it)
     * @param limit the bucket's limit
     * @return 0 if a permit was taken, else the nanoseconds until one is expected (positive)
     * @throws RuntimeException any failure of the store (timeout, connection lost): the caller then falls back
     */
    long tryConsume(String key, RateLimit limit);
}
