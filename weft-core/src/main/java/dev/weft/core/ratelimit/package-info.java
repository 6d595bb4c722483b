/**
 * One token bucket for every weft module: per-key buckets ({@link dev.weft.core.ratelimit.TokenBuckets}) with a
 * limit ({@link dev.weft.core.ratelimit.RateLimit}) that answer {@link dev.weft.core.ratelimit.RateDecision}s,
 * either in this process or in a store shared by every instance ({@link dev.weft.core.ratelimit.BucketStore}, e.g.
 * weft-cache-redis's Redis store) with one degraded policy: while the store fails, each instance limits with
 * buckets of its own at the same rate, and the store is tried again by one caller at a time.
 *
 * <p>Plain Java with no dependency, so weft-http and weft-service share it; the Redis store lives with the Redis
 * connection in weft-cache-redis.
 */
@NullMarked
package dev.weft.core.ratelimit;

import org.jspecify.annotations.NullMarked;
