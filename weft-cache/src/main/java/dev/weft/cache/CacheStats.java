package dev.weft.cache;

import java.time.Duration;

/**
 * Counters of one cache tier since it started.
 *
 * @param name the cache's name
 * @param tier {@code local}, {@code redis} or {@code tiered}
 * @param hits reads that found a fresh entry
 * @param misses reads that found none
 * @param evictions entries dropped for size (local tier; 0 for Redis, which does not report per cache)
 * @param loads loader runs
 * @param loadFailures loader runs that threw
 * @param loadTime total time spent in loaders
 * @param errors Redis calls that failed or were refused by the open circuit breaker
 * @param droppedWrites writes and invalidations lost to a Redis outage
 * @param unreadable entries found in Redis that could not be read as the type asked for, each also counted as a miss
 *     (a class changed since the entry was written, or a type JSON cannot rebuild); 0 for the local tier, which keeps
 *     objects
 * @param size entries held now, or -1 where the tier cannot tell cheaply (Redis)
 */
public record CacheStats(String name, String tier, long hits, long misses, long evictions, long loads,
        long loadFailures, Duration loadTime, long errors, long droppedWrites, long unreadable, long size) {

    /** @return {@code hits / (hits + misses)}, or 0 before the first read */
    public double hitRate() {
        long reads = hits + misses;
        return reads == 0 ? 0.0 : (double) hits / reads;
    }

    /**
     * @param other another tier's counters
     * @param tierName the name of the sum
     * @return the sum of both, with {@code size} the larger one
     */
    public CacheStats plus(CacheStats other, String tierName) {
        return new CacheStats(name, tierName, hits + other.hits, misses + other.misses, evictions + other.evictions,
                loads + other.loads, loadFailures + other.loadFailures, loadTime.plus(other.loadTime),
                errors + other.errors, droppedWrites + other.droppedWrites, unreadable + other.unreadable,
                Math.max(size, other.size));
    }
}
