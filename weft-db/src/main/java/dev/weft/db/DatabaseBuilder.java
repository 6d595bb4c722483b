package dev.weft.db;

import dev.weft.cache.Cache;
import dev.weft.cache.CacheTracing;
import dev.weft.cache.LocalCache;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.api.OpenTelemetry;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Opens a {@link Database} with optional parts: a Micrometer registry and the cache behind
 * {@link Query#cached(java.time.Duration)}. Without a cache, each database keeps its query results in a
 * {@link LocalCache} of 10,000 entries; give a Redis or tiered cache to share results, and their invalidation,
 * between instances.
 *
 * <p>Not thread-safe; {@link #build()} may be called once.
 */
public final class DatabaseBuilder {
    private final DatabaseConfig config;
    private @Nullable MeterRegistry registry;
    private @Nullable Cache queryCache;
    private @Nullable OpenTelemetry openTelemetry;

    DatabaseBuilder(DatabaseConfig config) {
        this.config = Objects.requireNonNull(config, "config");
    }

    /**
     * @param value where to publish {@code weft.db.query} timers and {@code hikaricp.*} meters
     * @return this
     */
    public DatabaseBuilder meterRegistry(MeterRegistry value) {
        this.registry = Objects.requireNonNull(value, "value");
        return this;
    }

    /**
     * Traces operations with this OpenTelemetry instance: a CLIENT span per statement ({@code SELECT users}, with
     * {@code db.system.name}, {@code db.operation.name}, {@code db.query.text} as the statement with placeholders
     * and never a bound value, {@code db.namespace}, {@code server.address}/{@code server.port}), an INTERNAL
     * {@code transaction} span around a transaction's statements, and the query cache's INTERNAL spans
     * ({@link CacheTracing}; a load's query span nests under them). Spans are made only under a caller's span
     * ({@code Span.current()} valid), so health probes and background work make none. Without this setter the
     * database uses the global instance if an SDK registered one, else the no-op (decided by {@link #build()}).
     *
     * @param value the instance
     * @return this
     */
    public DatabaseBuilder openTelemetry(OpenTelemetry value) {
        this.openTelemetry = Objects.requireNonNull(value, "value");
        return this;
    }

    /**
     * @param value the cache for query results; every write through this database invalidates the tags of the
     *     tables it wrote in it
     * @return this
     */
    public DatabaseBuilder queryCache(Cache value) {
        this.queryCache = Objects.requireNonNull(value, "value");
        return this;
    }

    /** @return the open database; close it when done */
    public Database build() {
        String cacheName = "weft-db-" + config.name().replace('.', '_');
        Cache cache = queryCache != null ? queryCache
                : LocalCache.create(cacheName.length() <= 64 ? cacheName : cacheName.substring(0, 64), 10_000);
        OpenTelemetry tracing = openTelemetry != null ? openTelemetry : DbTracing.defaultInstance();
        // cached queries get a cache span with the query's span inside it when the result is loaded
        return new PooledDatabase(config, registry, tracing, CacheTracing.traced(cache, tracing));
    }
}
