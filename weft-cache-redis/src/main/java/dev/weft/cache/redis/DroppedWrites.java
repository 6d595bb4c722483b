package dev.weft.cache.redis;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes and invalidations of one cache that Redis did not take, counted for the stats ({@code droppedWrites}). A
 * dropped write of a value is also logged at WARN, at most once per {@link #LOG_INTERVAL} per cache: one that
 * outlived the command timeout (a value of many megabytes, say) is otherwise lost with nothing but a counter to show,
 * while an outage would drop every write and must not log each. A line names the cache, the key's length (never the
 * key: it may hold user data), the entry's size and how many writes were dropped since the last line. Thread-safe.
 */
final class DroppedWrites {
    /** The least time between two lines of one cache. */
    static final Duration LOG_INTERVAL = Duration.ofSeconds(10);
    private static final Logger LOG = LoggerFactory.getLogger(RedisCaches.class);

    private final String cacheName;
    private final Duration commandTimeout;
    private final LongSupplier nanoClock;
    private final LongAdder count = new LongAdder();
    /** Dropped value writes not yet reported in a line. */
    private final AtomicLong unlogged = new AtomicLong();
    /** The earliest the next line may be logged (compared by difference, as nanoTime must be). */
    private final AtomicLong nextLine;

    /**
     * @param cacheName the cache's name
     * @param commandTimeout the command timeout, for the line
     * @param nanoClock the clock the interval runs on, in nanoseconds ({@link System#nanoTime} but in tests)
     */
    DroppedWrites(String cacheName, Duration commandTimeout, LongSupplier nanoClock) {
        this.cacheName = cacheName;
        this.commandTimeout = commandTimeout;
        this.nanoClock = nanoClock;
        this.nextLine = new AtomicLong(nanoClock.getAsLong());
    }

    /**
     * Counts, and maybe logs, a value Redis did not store.
     *
     * @param key the entry's key (only its length is logged)
     * @param bytes the entry's size as sent
     */
    void value(String key, int bytes) {
        count.increment();
        long pending = unlogged.incrementAndGet();
        long now = nanoClock.getAsLong();
        long next = nextLine.get();
        if (now - next < 0 || !nextLine.compareAndSet(next, now + LOG_INTERVAL.toNanos())) {
            return;
        }
        unlogged.addAndGet(-pending);
        LOG.atWarn().setMessage("cache write dropped: redis did not take it within the command timeout, is"
                + " unreachable, or refused it ('redis refused a call' says why); the entry is not cached (counted in cache.writes.dropped, logged at most every "
                + LOG_INTERVAL.toSeconds() + " s)")
                .addKeyValue("cache", cacheName).addKeyValue("key_length", key.length())
                .addKeyValue("bytes", bytes).addKeyValue("command_timeout_ms", commandTimeout.toMillis())
                .addKeyValue("dropped_since_last_line", pending).log();
    }

    /** Counts an invalidation or clear Redis did not take (its callers report it: see {@code TieredTier}). */
    void invalidation() {
        count.increment();
    }

    /** @return writes and invalidations dropped so far */
    long count() {
        return count.sum();
    }
}
