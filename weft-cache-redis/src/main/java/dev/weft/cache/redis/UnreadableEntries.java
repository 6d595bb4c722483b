package dev.weft.cache.redis;

import java.io.IOException;
import java.lang.reflect.Type;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Entries of one cache found in Redis that could not be read as the type asked for: each is answered as a miss, and
 * counted here so it shows in the cache's stats and metrics; the first failure for each type is logged at WARN (a
 * class that changed since its entries were written fails on every read until they expire, so once is enough).
 * Thread-safe.
 */
final class UnreadableEntries {
    private static final Logger LOG = LoggerFactory.getLogger(RedisCaches.class);

    private final String cacheName;
    private final LongAdder count = new LongAdder();
    /** Types already logged; bounded by the types the code asks for. */
    private final Set<Type> logged = ConcurrentHashMap.newKeySet();

    UnreadableEntries(String cacheName) {
        this.cacheName = cacheName;
    }

    /**
     * @param type the type the entry was read as
     * @param failure Jackson's failure
     */
    void record(Type type, IOException failure) {
        count.increment();
        if (logged.add(type)) {
            LOG.atWarn().setMessage("cache entry in redis not readable as the type asked for: answered as a miss"
                    + " (logged once per type; counted in cache.unreadable)")
                    .addKeyValue("cache", cacheName).addKeyValue("type", type.getTypeName())
                    .addKeyValue("reason", JsonCodec.reason(failure)).log();
        }
    }

    /** @return entries not readable so far */
    long count() {
        return count.sum();
    }
}
