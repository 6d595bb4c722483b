package dev.weft.cache;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.binder.cache.CacheMeterBinder;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Publishes a cache's counters under Micrometer's standard cache meter names, one set per tier (tags
 * {@code cache}, {@code tier}): {@code cache.gets{result=hit|miss}}, {@code cache.evictions}, {@code cache.size},
 * and weft's {@code cache.loads{result=success|failure}}, {@code cache.load.duration}, {@code cache.errors} and
 * {@code cache.writes.dropped}, {@code cache.unreadable}.
 */
public final class CacheMetrics {
    private CacheMetrics() {
    }

    /**
     * @param cache the cache
     * @param registry where to publish
     */
    public static void bind(Cache cache, MeterRegistry registry) {
        Objects.requireNonNull(registry, "registry");
        for (String tier : cache.tierStats().keySet()) {
            new TierBinder(cache, tier).bindTo(registry);
        }
    }

    /** Micrometer's cache binder over one tier of a weft cache. */
    private static final class TierBinder extends CacheMeterBinder<Cache> {
        private final String tier;

        TierBinder(Cache cache, String tier) {
            super(cache, cache.name(), Tags.of(Tag.of("tier", tier)));
            this.tier = tier;
        }

        private @Nullable CacheStats stats() {
            Cache cache = getCache();
            if (cache == null) {
                return null;
            }
            Map<String, CacheStats> tiers = cache.tierStats();
            return tiers.get(tier);
        }

        @Override
        protected @Nullable Long size() {
            CacheStats stats = stats();
            return stats == null || stats.size() < 0 ? null : stats.size();
        }

        @Override
        protected long hitCount() {
            CacheStats stats = stats();
            return stats == null ? 0 : stats.hits();
        }

        @Override
        protected @Nullable Long missCount() {
            CacheStats stats = stats();
            return stats == null ? null : stats.misses();
        }

        @Override
        protected @Nullable Long evictionCount() {
            CacheStats stats = stats();
            return stats == null ? null : stats.evictions();
        }

        @Override
        protected long putCount() {
            return -1; // not counted: Micrometer then registers no cache.puts meter
        }

        @Override
        protected void bindImplementationSpecificMetrics(MeterRegistry registry) {
            FunctionCounter.builder("cache.loads", this, binder -> loads(binder, false))
                    .tags(getTagsWithCacheName()).tag("result", "success")
                    .description("Loader runs that returned a value").register(registry);
            FunctionCounter.builder("cache.loads", this, binder -> loads(binder, true))
                    .tags(getTagsWithCacheName()).tag("result", "failure")
                    .description("Loader runs that threw").register(registry);
            TimeGauge.builder("cache.load.duration", this, TimeUnit.NANOSECONDS,
                    binder -> { CacheStats stats = binder.stats(); return stats == null ? 0 : stats.loadTime().toNanos(); })
                    .tags(getTagsWithCacheName()).description("Total time spent in loaders").register(registry);
            FunctionCounter.builder("cache.errors", this,
                    binder -> { CacheStats stats = binder.stats(); return stats == null ? 0 : stats.errors(); })
                    .tags(getTagsWithCacheName()).description("Redis calls that failed or were refused by the breaker")
                    .register(registry);
            FunctionCounter.builder("cache.writes.dropped", this,
                    binder -> { CacheStats stats = binder.stats(); return stats == null ? 0 : stats.droppedWrites(); })
                    .tags(getTagsWithCacheName()).description("Writes and invalidations lost to a Redis outage")
                    .register(registry);
            FunctionCounter.builder("cache.unreadable", this,
                    binder -> { CacheStats stats = binder.stats(); return stats == null ? 0 : stats.unreadable(); })
                    .tags(getTagsWithCacheName())
                    .description("Entries found in Redis that could not be read as the type asked for (also misses)")
                    .register(registry);
        }

        private static double loads(TierBinder binder, boolean failures) {
            CacheStats stats = binder.stats();
            if (stats == null) {
                return 0;
            }
            return failures ? stats.loadFailures() : stats.loads() - stats.loadFailures();
        }
    }
}
