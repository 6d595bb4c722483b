package dev.weft.cache;

import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.OpenTelemetry;
import java.util.Objects;

/**
 * Traces a cache's calls with OpenTelemetry, as {@link CacheMetrics#bind} publishes its counters: the returned cache
 * makes an INTERNAL span per call ({@code get}, {@code getOrLoad}, {@code put}, {@code invalidate},
 * {@code invalidateTag}, {@code invalidateTags}, {@code clear}) named {@code <operation> <cache>}, with
 * {@code cache.name}, {@code cache.operation} and, for reads, {@code cache.hit}. A {@code getOrLoad} span is
 * current while the loader runs, so the loader's own spans (a database query) nest under it. Keys, tags and values
 * never reach a span: keys often hold ids or e-mail addresses.
 *
 * <p>A span is made only when the caller's context already holds a valid span: calls outside any trace (warm-up,
 * background refresh) make none, and cost one {@code ThreadLocal} read on top of the cache's own work, so a local hit
 * stays cheap.
 *
 * <pre>{@code
 * Cache profiles = CacheTracing.traced(shared.tiered("profiles", 10_000, Duration.ofMinutes(1)), openTelemetry);
 * }</pre>
 */
public final class CacheTracing {
    private CacheTracing() {
    }

    /**
     * @param cache the cache to trace; closing the returned cache closes it
     * @param openTelemetry where the spans go
     * @return the cache, traced; thread-safe as the cache is
     */
    public static Cache traced(Cache cache, OpenTelemetry openTelemetry) {
        Objects.requireNonNull(cache, "cache");
        Objects.requireNonNull(openTelemetry, "openTelemetry");
        Cache plain = cache instanceof TracedCache traced ? traced.delegate() : cache;
        return new TracedCache(plain, openTelemetry.getTracer(TracedCache.INSTRUMENTATION));
    }

    /**
     * Traces with the global OpenTelemetry if an SDK registered one, else returns the cache unchanged. Decided now:
     * never calls {@link GlobalOpenTelemetry#get()} when nothing is set, since that would freeze the global to the
     * no-op and make a later {@code set} throw.
     *
     * @param cache the cache to trace
     * @return the cache, traced by the global instance, or {@code cache} itself
     */
    public static Cache traced(Cache cache) {
        Objects.requireNonNull(cache, "cache");
        return GlobalOpenTelemetry.isSet() ? traced(cache, GlobalOpenTelemetry.get()) : cache;
    }
}
