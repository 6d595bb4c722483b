package dev.weft.service.videos;

import dev.weft.cache.Cache;
import dev.weft.cache.CacheMetrics;
import dev.weft.cache.LocalCache;
import dev.weft.core.ratelimit.BucketStore;
import dev.weft.http.ApiClientBuilder;
import dev.weft.service.CacheKeys;
import dev.weft.service.Feature;
import dev.weft.service.HealthChecks;
import dev.weft.service.Idempotency;
import dev.weft.service.RouteModule;
import dev.weft.service.Routes;
import dev.weft.service.ServiceConfig;
import dev.weft.service.ServiceContext;
import dev.weft.service.data.VideoEventRepository;
import dev.weft.service.events.EventEndpoints;
import dev.weft.service.events.EventFeed;
import dev.weft.service.events.EventsConfig;
import dev.weft.service.jobs.JobEngine;
import dev.weft.service.jobs.JobMigrations;
import dev.weft.service.jobs.JobState;
import dev.weft.service.jobs.JobsConfig;
import dev.weft.service.provider.ProviderHealth;
import dev.weft.service.provider.ProviderOpsModule;
import dev.weft.service.provider.Providers;
import dev.weft.service.provider.VideoProvider;
import dev.weft.service.settings.Settings;
import dev.weft.service.usage.UsageModule;
import dev.weft.service.webhooks.DeliverySchedule;
import dev.weft.service.webhooks.WebhookDelivery;
import dev.weft.service.webhooks.WebhookOutbox;
import io.micrometer.core.instrument.Gauge;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The video feature, opened: the provider (local or {@code PROVIDER_URL}), the {@link JobEngine} and its workers,
 * the video status cache (tiered when Redis is configured), the {@code provider} and {@code jobs} health checks,
 * the services ({@link VideoSubmissions}, {@link Videos}, the latter the engine's listener) and the videos, usage
 * and provider-operations endpoints. {@link #feature()} plugs it into a service like every other {@link Feature};
 * closing it (the service does, after its server stopped) parks the workers and closes the provider.
 *
 * <p>Thread-safe.
 */
public final class VideoJobs implements RouteModule, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(VideoJobs.class);
    /** The oldest job count the {@code jobs} health check shows: the engine counts every 5 s while it runs. */
    static final Duration JOB_COUNT_MAX_AGE = Duration.ofSeconds(10);

    private final VideoProvider provider;
    private final JobEngine engine;
    private final Cache cache;
    private final boolean ownsCache;
    private final List<RouteModule> endpoints;
    private final EventFeed feed;
    private final WebhookDelivery webhooks;

    private VideoJobs(ServiceContext context, VideoProvider provider, JobsConfig config, EventsConfig events,
            DeliverySchedule schedule) {
        Objects.requireNonNull(context, "context");
        this.provider = Objects.requireNonNull(provider, "provider");
        if (context.redis().isPresent()) {
            cache = context.traced(context.redis().get().tiered("weft-videos", 10_000, Duration.ofSeconds(30)));
            ownsCache = false;
        } else {
            cache = context.traced(LocalCache.create("weft-videos", 10_000));
            ownsCache = true;
        }
        CacheMetrics.bind(cache, context.registry());
        context.addCache(cache);
        VideoEventRepository eventLog = new VideoEventRepository(context.database(), context.clock(), context.json());
        feed = new EventFeed(eventLog, events.pollInterval());
        Videos videos = new Videos(context, cache, ownsCache ? CacheKeys.LOCAL_VIDEO_TTL : CacheKeys.SHARED_VIDEO_TTL,
                feed::nudge);
        engine = JobEngine.create(context.database(), context.videos(), context.usage(), provider, config,
                context.clock(), context.registry(), videos, context.tracing().openTelemetry(),
                new WebhookOutbox(context.clock()));
        webhooks = new WebhookDelivery(context, schedule, config.stopTimeout());
        engine.addCompanion(webhooks.worker());
        context.onDeliveriesDue(webhooks.worker()::wakeUp); // test pings, retries and enabling, from /webhooks
        VideoSubmissions submissions = new VideoSubmissions(context, engine, videos,
                new Idempotency(context.idempotency(), context.json()));
        EventEndpoints streams = new EventEndpoints(context.videos(), eventLog, feed, events,
                context.apiKeys());
        endpoints = List.of(new VideoEndpoints(submissions, videos, context.json(), context.config().maxUpload(),
                        webhooks.policy()),
                streams, new UsageModule(context), new ProviderOpsModule(provider, context.clock()));
        Gauge.builder("weft.events.streams", streams, EventEndpoints::openStreams)
                .description("Event streams open on this instance").register(context.registry());
        context.onStopping(feed::close);
        engine.addHousekeeping(() -> {
            long pruned = eventLog.prune(events.keepPerUser(), context.clock().instant().minus(events.maxAge()));
            if (pruned > 0) {
                LOG.atDebug().setMessage("event log pruned").addKeyValue("events", pruned).log();
            }
        });
        HealthChecks health = context.health();
        health.register("provider", () -> {
            ProviderHealth result = provider.health();
            return new HealthChecks.Result(result.healthy(), result.details());
        });
        health.register("jobs", () -> {
            Map<String, Object> details = new LinkedHashMap<>();
            // the engine's own count (taken every 5 s while it runs): a health probe adds no GROUP BY over the jobs
            Map<JobState, Long> counts = engine.countByState(JOB_COUNT_MAX_AGE);
            long depth = JobState.active().stream().mapToLong(state -> counts.getOrDefault(state, 0L)).sum();
            details.put("queue_depth", depth);
            details.put("workers", config.workers());
            Map<String, Long> byState = new LinkedHashMap<>();
            counts.forEach((state, count) -> byState.put(state.wireName(), count));
            details.put("by_state", byState);
            return new HealthChecks.Result(true, details);
        });
    }

    /** @return the feature with the provider and job settings of the service config and environment */
    public static Feature feature() {
        return feature(context -> {
            String providerUrl = context.config().providerUrl();
            // the provider client's shared rate limit runs on the service's one Redis connection (no client of its
            // own); asked for only when there is an HTTP provider to limit
            @Nullable BucketStore rateStore = providerUrl == null ? null : context.redis()
                    .map(redis -> redis.link().bucketStore(ApiClientBuilder.SHARED_RATE_PREFIX)).orElse(null);
            return Providers.fromConfig(providerUrl, rateStore, Settings.environment(), context.registry(),
                    context.clock(), context.tracing().openTelemetry());
        }, context -> JobsConfig.fromEnv(context.config().workers(), Settings.environment()),
                context -> EventsConfig.fromEnv(Settings.environment())).checkingSettings(config -> {
                    Map<String, String> env = Settings.environment();
                    JobsConfig.fromEnv(config.workers(), env);
                    EventsConfig.fromEnv(env);
                    Providers.checkSettings(config.providerUrl(), env);
                });
    }

    /**
     * @param provider makes the provider; closed with the module
     * @param config makes the job settings
     * @return the feature: the jobs migration and this module, with the event settings' defaults
     */
    public static Feature feature(Function<ServiceContext, VideoProvider> provider,
            Function<ServiceContext, JobsConfig> config) {
        return feature(provider, config, context -> EventsConfig.defaults());
    }

    /**
     * @param provider makes the provider; closed with the module
     * @param config makes the job settings
     * @param events makes the event log and stream settings
     * @return the feature: the jobs migrations (the event log's among them) and this module
     */
    public static Feature feature(Function<ServiceContext, VideoProvider> provider,
            Function<ServiceContext, JobsConfig> config, Function<ServiceContext, EventsConfig> events) {
        Objects.requireNonNull(provider, "provider");
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(events, "events");
        return Feature.of(List.of(JobMigrations::forDialect),
                context -> open(context, provider.apply(context), config.apply(context), events.apply(context)));
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
        return open(context, provider, config, EventsConfig.defaults());
    }

    /**
     * Builds the module over a migrated context and starts the workers and the event feed.
     *
     * @param context the service context
     * @param provider the provider; closed with the module
     * @param config the job settings
     * @param events the event log and stream settings
     * @return the module
     */
    public static VideoJobs open(ServiceContext context, VideoProvider provider, JobsConfig config,
            EventsConfig events) {
        return open(context, provider, config, events, DeliverySchedule.forTimeout(context.webhooks().timeout()));
    }

    /**
     * As {@link #open(ServiceContext, VideoProvider, JobsConfig, EventsConfig)} with the webhook deliveries' pace
     * (tests pass a short backoff).
     *
     * @param context the service context
     * @param provider the provider; closed with the module
     * @param config the job settings
     * @param events the event log and stream settings
     * @param schedule the webhook deliveries' backoff, lease and concurrency
     * @return the module
     */
    public static VideoJobs open(ServiceContext context, VideoProvider provider, JobsConfig config,
            EventsConfig events, DeliverySchedule schedule) {
        VideoJobs jobs = new VideoJobs(context, provider, config, events, schedule);
        jobs.feed.start();
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

    /** @return the webhook deliveries: the outbox's reader and the URL policy */
    public WebhookDelivery webhooks() {
        return webhooks;
    }

    /** @return the provider */
    public VideoProvider provider() {
        return provider;
    }

    @Override
    public void routes(Routes routes) {
        endpoints.forEach(module -> module.routes(routes));
    }
    /** Ends the event streams, parks the workers (bounded), then closes the provider and the video cache. Idempotent. */
    @Override
    public void close() {
        try {
            feed.close();
            engine.close();
        } finally {
            try {
                webhooks.close();
                provider.close();
            } finally {
                if (ownsCache) {
                    cache.close();
                }
            }
        }
    }
}
