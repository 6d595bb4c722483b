package dev.weft.service;

import dev.weft.cache.Cache;
import dev.weft.cache.CacheMetrics;
import dev.weft.cache.CacheStats;
import dev.weft.cache.CacheTracing;
import dev.weft.cache.LocalCache;
import dev.weft.cache.redis.RedisBreakerState;
import dev.weft.cache.redis.RedisCaches;
import dev.weft.cache.redis.RedisConfig;
import dev.weft.db.Database;
import dev.weft.db.DatabaseType;
import dev.weft.db.Health;
import dev.weft.db.migrate.Migration;
import dev.weft.db.migrate.MigrationRunner;
import dev.weft.db.migrate.Migrations;
import dev.weft.service.data.CurrentSchemaMemo;
import dev.weft.service.data.IdempotencyRepository;
import dev.weft.service.data.ServiceMigrations;
import dev.weft.service.data.SettingsRepository;
import dev.weft.service.data.UsageRepository;
import dev.weft.service.data.UserRepository;
import dev.weft.service.data.VideoRepository;
import dev.weft.service.webhooks.SecretBox;
import dev.weft.service.webhooks.WebhooksConfig;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * The composition root's parts, shared by every route module: config, database and migrations, repositories, the
 * service's caches, the meter registry, the JSON mapper, API keys and health checks. Built once by
 * {@link WeftService}; closing it closes everything it opened, in reverse order.
 *
 * <p>Thread-safe.
 */
public final class ServiceContext implements AutoCloseable {
    private final ServiceConfig config;
    private final Clock clock;
    private final Tracing tracing;
    private final Instant startedAt;
    private final PrometheusMeterRegistry registry;
    private final @Nullable ProcessMetrics processMetrics;
    private final @Nullable RedisCaches redis;
    private final Cache profiles;
    private final Cache principals;
    private final Cache adminCache;
    private final Database database;
    private final MigrationRunner migrations;
    private final Json json = Json.create();
    private final HealthChecks health = new HealthChecks();
    private final UserRepository users;
    private final VideoRepository videos;
    private final UsageRepository usage;
    private final SettingsRepository settings;
    private final IdempotencyRepository idempotency;
    private final ApiKeys apiKeys;
    private final Map<String, Cache> moduleCaches = new java.util.concurrent.ConcurrentSkipListMap<>();
    private final CacheKeys cacheKeys = new CacheKeys(this::cacheScope);
    private volatile @Nullable String cacheScope;
    private volatile @Nullable SecretBox secretBox;
    private final List<Runnable> stopping = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final List<Runnable> deliveryWakers = new java.util.concurrent.CopyOnWriteArrayList<>();
    private static final String CACHE_SCOPE_SETTING = "cache_scope";

    private ServiceContext(ServiceConfig config, Clock clock,
            List<Function<DatabaseType, List<Migration>>> extraMigrations, boolean jvmMetrics, Tracing tracing) {
        this.config = Objects.requireNonNull(config, "config");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.tracing = Objects.requireNonNull(tracing, "tracing");
        this.startedAt = clock.instant();
        List<AutoCloseable> opened = new ArrayList<>();
        opened.add(tracing); // closed last: spans of the closing parts are still exported
        try {
            registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            if (jvmMetrics) {
                processMetrics = ProcessMetrics.bind(registry);
                opened.add(processMetrics);
            } else {
                processMetrics = null;
            }
            if (config.redisUrl() != null) {
                redis = RedisCaches.connect(RedisConfig.of(config.redisUrl()));
                opened.add(redis);
                profiles = traced(redis.tiered("weft-profiles", 10_000, Duration.ofSeconds(30)));
                principals = traced(redis.tieredByAge(CacheKeys.PRINCIPALS, CacheKeys.PRINCIPAL_CACHE_SIZE,
                        Duration.ofSeconds(30)));
                adminCache = traced(redis.cache("weft-admin"));
            } else {
                redis = null;
                profiles = traced(LocalCache.create("weft-profiles", 10_000));
                principals = traced(LocalCache.createByAge(CacheKeys.PRINCIPALS, CacheKeys.PRINCIPAL_CACHE_SIZE,
                        CacheKeys.PRINCIPAL_TTL));
                adminCache = traced(LocalCache.create("weft-admin", 10_000));
                opened.add(profiles);
                opened.add(principals);
                opened.add(adminCache);
            }
            CacheMetrics.bind(profiles, registry);
            CacheMetrics.bind(principals, registry);
            addCache(principals); // listed by /cache/stats; closed below with the others
            CacheMetrics.bind(adminCache, registry);
            if (config.database() == null) {
                Files.createDirectories(config.dataDir());
            }
            database = Database.builder(config.databaseOrDefault()).meterRegistry(registry)
                    .openTelemetry(tracing.openTelemetry()).build();
            opened.add(database);
            migrations = new CurrentSchemaMemo(Migrations.runner(database,
                    ServiceMigrations.source(database.type(), List.copyOf(extraMigrations))), System::nanoTime);
        } catch (IOException e) {
            closeAll(opened);
            throw new UncheckedIOException("cannot create the data directory " + config.dataDir(), e);
        } catch (RuntimeException e) {
            closeAll(opened);
            throw e;
        }
        // the videos feature's migrations create the event log; a service without it has none to clean up
        users = new UserRepository(database, clock, extraMigrations.stream()
                .flatMap(source -> source.apply(database.type()).stream())
                .anyMatch(migration -> migration.version().equals(dev.weft.service.jobs.JobMigrations.EVENTS_VERSION)));
        videos = new VideoRepository(database, clock);
        usage = new UsageRepository(database, clock);
        settings = new SettingsRepository(database, clock);
        idempotency = new IdempotencyRepository(database, clock);
        apiKeys = new ApiKeys(users, settings, principals, cacheKeys);
        health.register("database", () -> {
            Health probe = database.health(Duration.ofSeconds(2));
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("type", database.type().name().toLowerCase(java.util.Locale.ROOT));
            details.put("latency_ms", probe.latency().toNanos() / 1e6);
            probe.error().ifPresent(error -> details.put("error", error));
            return new HealthChecks.Result(probe.healthy(), details);
        });
        health.register("migrations", () -> {
            boolean current = migrations.isCurrent();
            return new HealthChecks.Result(current, Map.of("current", current));
        });
        for (Cache cache : List.of(profiles, adminCache)) {
            health.register("cache." + cache.name(), () -> new HealthChecks.Result(true, Map.of("tiers",
                    cache.tierStats().keySet())));
        }
        if (redis != null) {
            RedisCaches link = redis;
            // Down while its breaker is open or the instance cannot hear invalidations (Redis unreachable, the
            // subscription lost): the breaker alone stayed closed while no call failed, so an unreachable Redis read
            // UP. Not part of readiness: tiered caches bypass their tiers and load from the database, so the instance
            // still answers correctly.
            health.register("redis", () -> new HealthChecks.Result(link.breakerState() != RedisBreakerState.OPEN
                    && link.hearsInvalidations(),
                    Map.of("breaker", link.breakerState().name(), "invalidations", link.invalidationState(),
                            "local_tiers", link.hearsInvalidations() ? "in_use" : "bypassed")));
            io.micrometer.core.instrument.Gauge.builder("weft.cache.invalidations.listening", link,
                            caches -> caches.hearsInvalidations() ? 1 : 0)
                    .description("1 while this instance hears cache invalidations and its tiered caches use their "
                            + "tiers; 0 while it bypasses them (Redis down or hung, subscription lost)")
                    .register(registry);
        }
    }

    /**
     * Opens the database and caches; does not migrate or listen.
     *
     * @param config the config
     * @param clock the clock
     * @param extraMigrations migrations other modules add (versions above {@link ServiceMigrations#LAST_VERSION})
     * @param jvmMetrics whether to bind the JVM meters (off in tests that start many servers)
     * @return the context; close it when done
     */
    public static ServiceContext open(ServiceConfig config, Clock clock,
            List<Function<DatabaseType, List<Migration>>> extraMigrations, boolean jvmMetrics) {
        return open(config, clock, extraMigrations, jvmMetrics, Tracing.off());
    }

    /**
     * As {@link #open(ServiceConfig, Clock, List, boolean)} with tracing.
     *
     * @param config the config
     * @param clock the clock
     * @param extraMigrations migrations other modules add (versions above {@link ServiceMigrations#LAST_VERSION})
     * @param jvmMetrics whether to bind the JVM meters (off in tests that start many servers)
     * @param tracing the service's OpenTelemetry, handed to the database, caches and provider; closed with the
     *     context
     * @return the context; close it when done
     */
    public static ServiceContext open(ServiceConfig config, Clock clock,
            List<Function<DatabaseType, List<Migration>>> extraMigrations, boolean jvmMetrics, Tracing tracing) {
        return new ServiceContext(config, clock, extraMigrations, jvmMetrics, tracing);
    }

    /** @return the config */
    public ServiceConfig config() {
        return config;
    }

    /** @return the webhook settings ({@link ServiceConfig#webhooks()}) */
    public WebhooksConfig webhooks() {
        return config.webhooks();
    }

    /**
     * The box that seals webhook and callback signing secrets, opened on first use (its key may be generated and
     * kept in the settings table then); one per service, shared by the endpoints that store secrets and the
     * workers that sign with them.
     *
     * @return the box
     */
    public SecretBox secretBox() {
        SecretBox box = secretBox;
        if (box == null) {
            synchronized (this) {
                box = secretBox;
                if (box == null) {
                    box = SecretBox.open(config.webhooks(), settings);
                    secretBox = box;
                }
            }
        }
        return box;
    }

    /** @return the clock */
    public Clock clock() {
        return clock;
    }

    /**
     * Traces a cache's calls when tracing is on ({@link CacheTracing}); without tracing the cache itself, so a cache
     * call costs nothing more.
     *
     * @param cache a cache of the service or of a module
     * @return the cache to use; closing it closes {@code cache}
     */
    public Cache traced(Cache cache) {
        return tracing.enabled() ? CacheTracing.traced(cache, tracing.openTelemetry()) : cache;
    }

    /** @return the service's tracing ({@link Tracing#off()} unless {@code OTEL_*} asks for export) */
    public Tracing tracing() {
        return tracing;
    }

    /** @return when the context was opened */
    public Instant startedAt() {
        return startedAt;
    }

    /** @return the meter registry behind {@code /metrics} */
    public PrometheusMeterRegistry registry() {
        return registry;
    }

    /** @return the database */
    public Database database() {
        return database;
    }

    /** @return the migration runner over the service's migrations */
    public MigrationRunner migrations() {
        return migrations;
    }

    /** @return the JSON mapper */
    public Json json() {
        return json;
    }

    /** @return the health checks; modules may add theirs */
    public HealthChecks health() {
        return health;
    }

    /** @return users */
    public UserRepository users() {
        return users;
    }

    /** @return videos */
    public VideoRepository videos() {
        return videos;
    }

    /** @return model usage */
    public UsageRepository usage() {
        return usage;
    }

    /** @return settings */
    public SettingsRepository settings() {
        return settings;
    }

    /** @return idempotency records */
    public IdempotencyRepository idempotency() {
        return idempotency;
    }

    /** @return the API keys */
    public ApiKeys apiKeys() {
        return apiKeys;
    }

    /** @return the cache of user profiles ({@code /user-profile/{id}}); tiered when Redis is configured */
    public Cache profiles() {
        return profiles;
    }

    /** @return the admin's cache ({@code /cache/{key}}), a namespace of its own */
    public Cache adminCache() {
        return adminCache;
    }

    /** @return the Redis caches, if Redis is configured */
    public Optional<RedisCaches> redis() {
        return Optional.ofNullable(redis);
    }

    /** @return the service's caches by name */
    public Map<String, Cache> caches() {
        Map<String, Cache> caches = new LinkedHashMap<>();
        caches.put(profiles.name(), profiles);
        caches.put(adminCache.name(), adminCache);
        caches.putAll(moduleCaches);
        caches.put("query", database.queryCache());
        return caches;
    }

    /**
     * Adds a cache a route module owns (the video status cache) to {@link #caches()}, so {@code /cache/stats} and
     * {@code /metrics/cache} report it. The module still closes it.
     *
     * @param cache the cache; its name must not be taken
     * @throws IllegalArgumentException if a cache of that name is already there
     */
    public void addCache(Cache cache) {
        Objects.requireNonNull(cache, "cache");
        if (cache.name().equals(profiles.name()) || cache.name().equals(adminCache.name())
                || cache.name().equals("query") || moduleCaches.putIfAbsent(cache.name(), cache) != null) {
            throw new IllegalArgumentException("a cache named " + cache.name() + " is already there");
        }
    }

    /**
     * Registers work to run when the service begins to stop, before its server waits for requests in flight: ending
     * long-lived answers (event streams), which would otherwise hold the stop for the whole shutdown grace.
     *
     * @param task the task; it must not block for long
     */
    public void onStopping(Runnable task) {
        stopping.add(Objects.requireNonNull(task, "task"));
    }

    /**
     * Registers what wakes this instance's webhook delivery loop (the video feature's), so that a feature that queues
     * a delivery outside a status change (a test ping, a retry, a re-enabled webhook) gets it tried at once.
     *
     * @param wakeUp must not block
     */
    public void onDeliveriesDue(Runnable wakeUp) {
        deliveryWakers.add(Objects.requireNonNull(wakeUp, "wakeUp"));
    }

    /** Wakes the delivery loops registered by {@link #onDeliveriesDue}; none registered: they poll. Never blocks. */
    public void deliveriesDue() {
        deliveryWakers.forEach(Runnable::run);
    }

    /** Runs the {@link #onStopping} tasks once each; a failing task does not keep the others from running. */
    public void stopping() {
        for (Runnable task : stopping) {
            try {
                task.run();
            } catch (RuntimeException e) {
                org.slf4j.LoggerFactory.getLogger(ServiceContext.class).atWarn()
                        .setMessage("a stopping task failed").setCause(e).log();
            }
        }
        stopping.clear();
    }

    /** @return every cache's statistics by cache name and tier */
    public Map<String, Map<String, CacheStats>> cacheStats() {
        Map<String, Map<String, CacheStats>> out = new LinkedHashMap<>();
        caches().forEach((name, cache) -> out.put(name, cache.tierStats()));
        return out;
    }

    /** @return the names of the service's cache keys and tags */
    public CacheKeys cacheKeys() {
        return cacheKeys;
    }

    /**
     * Drops everything cached about a user (profile and stats): call after any change to the user, its videos or
     * its usage.
     *
     * @param userId the user
     */
    public void invalidateUser(long userId) {
        profiles.invalidateTag(cacheKeys.userTag(userId));
    }

    /**
     * Drops the cached principal of a user key, after the write that deactivated or deleted its user or replaced the
     * key has committed.
     *
     * @param apiKeyHash the key's SHA-256, hex, as stored before the write
     */
    public void invalidateApiKey(String apiKeyHash) {
        principals.invalidateTag(cacheKeys.apiKeyTag(apiKeyHash));
    }

    /**
     * A random name this database got on its first use, part of every cache key and tag the service makes. Instances
     * over one database share it; a cache shared by two databases (two deployments on one Redis, a database
     * recreated under a running Redis) never serves one database's entries for the other's ids.
     *
     * @return 12 hex digits
     */
    public String cacheScope() {
        String scope = cacheScope;
        if (scope == null) {
            String fresh = java.util.HexFormat.of().formatHex(randomBytes(6));
            settings.putIfAbsent(CACHE_SCOPE_SETTING, fresh);
            scope = settings.get(CACHE_SCOPE_SETTING).orElse(fresh);
            cacheScope = scope;
        }
        return scope;
    }

    private static byte[] randomBytes(int count) {
        byte[] bytes = new byte[count];
        new java.security.SecureRandom().nextBytes(bytes);
        return bytes;
    }

    @Override
    public void close() {
        // opened in this order; closeAll closes them in reverse
        List<AutoCloseable> parts = new ArrayList<>();
        parts.add(tracing);
        parts.add(registry::close);
        if (processMetrics != null) {
            parts.add(processMetrics);
        }
        if (redis != null) {
            parts.add(redis);
        } else {
            parts.add(profiles);
            parts.add(adminCache);
            parts.add(principals);
        }
        parts.add(database);
        closeAll(parts);
    }

    private static void closeAll(List<AutoCloseable> parts) {
        RuntimeException first = null;
        for (AutoCloseable part : parts.reversed()) {
            try {
                part.close();
            } catch (Exception e) {
                if (first == null) {
                    first = new IllegalStateException("closing the service context failed", e);
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
