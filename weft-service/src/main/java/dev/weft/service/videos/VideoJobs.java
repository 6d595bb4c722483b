package dev.weft.service.videos;

import dev.weft.cache.Cache;
import dev.weft.cache.CacheMetrics;
import dev.weft.cache.LocalCache;
import dev.weft.service.HealthChecks;
import dev.weft.service.RouteModule;
import dev.weft.service.Routes;
import dev.weft.service.ServiceConfig;
import dev.weft.service.ServiceContext;
import dev.weft.service.WeftService;
import dev.weft.service.jobs.JobEngine;
import dev.weft.service.jobs.JobMigrations;
import dev.weft.service.jobs.JobState;
import dev.weft.service.jobs.JobsConfig;
import dev.weft.service.provider.ProviderHealth;
import dev.weft.service.provider.ProviderOpsModule;
import dev.weft.service.provider.Providers;
import dev.weft.service.provider.VideoProvider;
import dev.weft.service.usage.UsageModule;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Plugs the video-job half of the service in: the {@code jobs} migration, the provider (local or
 * {@code PROVIDER_URL}), the {@link JobEngine} and its workers, the video status cache (tiered when Redis is
 * configured), the {@code provider} and {@code jobs} health checks, and the videos, usage and API-client routes.
 * {@link #install(WeftService.Builder)} adds all of it to a service; closing it (the service does, after its server
 * stopped) parks the workers and closes the provider.
 *
 * <p>Thread-safe.
 */
public final class VideoJobs implements RouteModule, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(VideoJobs.class);

    private final ServiceContext context;
    private final VideoProvider provider;
    private final JobEngine engine;
    private final Cache cache;
    private final boolean ownsCache;
    private final VideosModule videos;
    private final UsageModule usage;
    private final ProviderOpsModule ops;

    private VideoJobs(ServiceContext context, VideoProvider provider, JobsConfig config) {
        this.context = Objects.requireNonNull(context, "context");
        this.provider = Objects.requireNonNull(provider, "provider");
        if (context.redis().isPresent()) {
            cache = context.redis().get().tiered("weft-videos", 10_000, Duration.ofSeconds(30));
            ownsCache = false;
        } else {
            cache = LocalCache.create("weft-videos", 10_000);
            ownsCache = true;
        }
        CacheMetrics.bind(cache, context.registry());
        context.addCache(cache);
        engine = JobEngine.create(context.database(), context.videos(), context.usage(), provider, config,
                context.clock(), context.registry(), (videoId, userId) -> {
                    cache.invalidate(VideosModule.cacheKey(videoId));
                    context.invalidateUser(userId);
                });
        videos = new VideosModule(context, engine, cache, ownsCache ? VideosModule.LOCAL_CACHE_TTL
                : VideosModule.SHARED_CACHE_TTL);
        usage = new UsageModule(context);
        ops = new ProviderOpsModule(provider, context.clock());
        HealthChecks health = context.health();
        health.register("provider", () -> {
            ProviderHealth result = provider.health();
            return new HealthChecks.Result(result.healthy(), result.details());
        });
        health.register("jobs", () -> {
            Map<String, Object> details = new LinkedHashMap<>();
            Map<JobState, Long> counts = engine.countByState();
            long depth = JobState.active().stream().mapToLong(state -> counts.getOrDefault(state, 0L)).sum();
            details.put("queue_depth", depth);
            details.put("workers", config.workers());
            Map<String, Long> byState = new LinkedHashMap<>();
            counts.forEach((state, count) -> byState.put(state.wireName(), count));
            details.put("by_state", byState);
            return new HealthChecks.Result(true, details);
        });
    }

    /**
     * Adds the jobs migration and this module (provider and workers from the service config and environment).
     *
     * @param builder the service builder
     * @return the builder
     */
    public static WeftService.Builder install(WeftService.Builder builder) {
        return install(builder, context -> Providers.fromConfig(context.config().providerUrl(),
                context.config().redisUrl(), System.getenv(), context.registry(), context.clock()),
                context -> JobsConfig.fromEnv(context.config().workers(), System.getenv()));
    }

    /**
     * Adds the jobs migration and this module with a chosen provider and job settings (tests).
     *
     * @param builder the service builder
     * @param provider makes the provider; closed with the module
     * @param config makes the job settings
     * @return the builder
     */
    public static WeftService.Builder install(WeftService.Builder builder,
            Function<ServiceContext, VideoProvider> provider, Function<ServiceContext, JobsConfig> config) {
        Objects.requireNonNull(provider, "provider");
        Objects.requireNonNull(config, "config");
        return builder.migrations(JobMigrations::forDialect)
                .module(context -> open(context, provider.apply(context), config.apply(context)));
    }

    /**
     * Builds the module over a migrated context and starts the workers.
     *
     * @param context the service context
     * @param provider the provider; closed with the module
     * @param config the job settings
     * @return the module
     */
    public static VideoJobs open(ServiceContext context, VideoProvider provider, JobsConfig config) {
        VideoJobs jobs = new VideoJobs(context, provider, config);
        jobs.engine.start();
        ServiceConfig service = context.config();
        LOG.atInfo().setMessage("video jobs ready").addKeyValue("provider", provider.name())
                .addKeyValue("workers", config.workers()).addKeyValue("max_upload", service.maxUpload()).log();
        return jobs;
    }

    /** @return the job engine */
    public JobEngine engine() {
        return engine;
    }

    /** @return the provider */
    public VideoProvider provider() {
        return provider;
    }

    @Override
    public void routes(Routes routes) {
        videos.routes(routes);
        usage.routes(routes);
        ops.routes(routes);
    }

    /** Parks the workers (bounded), then closes the provider and the video cache. Idempotent. */
    @Override
    public void close() {
        try {
            engine.close();
        } finally {
            try {
                provider.close();
            } finally {
                if (ownsCache) {
                    cache.close();
                }
            }
        }
    }
}
