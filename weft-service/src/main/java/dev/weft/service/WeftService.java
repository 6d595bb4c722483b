package dev.weft.service;

import dev.weft.core.ratelimit.BucketMode;
import dev.weft.db.ConnectFailure;
import dev.weft.db.ConnectProbe;
import dev.weft.db.DatabaseType;
import dev.weft.db.DatabaseUnreachableException;
import dev.weft.db.migrate.Migration;
import dev.weft.db.migrate.MigrationResult;
import dev.weft.service.http.HttpEdge;
import dev.weft.service.http.RateLimiter;
import io.micrometer.core.instrument.TimeGauge;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.bridge.SLF4JBridgeHandler;

/**
 * The weft service: opens the {@link ServiceContext}, applies the migrations, sets up the admin key, opens every
 * {@link Feature} ({@link Features#standard()} unless the builder is given others) and registers its routes, and
 * listens on Helidon SE's virtual-thread server.
 *
 * {@snippet :
 * try (WeftService service = WeftService.builder(ServiceConfig.fromEnv(System.getenv())).build().start()) {
 *     System.out.println("listening on " + service.port());
 *     service.awaitShutdown();
 * }
 * }
 *
 * <p>Thread-safe. {@link #close()} stops accepting, lets in-flight requests finish within
 * {@link ServiceConfig#shutdownGrace()}, then closes the pools. Idempotent.
 */
public final class WeftService implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(WeftService.class);

    private final ServiceContext context;
    private final List<Feature> features;
    // held from build to close on SQLite: one serving process per database file
    private final @Nullable SqliteServeLock lock;
    private final List<AutoCloseable> closeableModules = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    private @Nullable HttpEdge server;
    private @Nullable String generatedAdminKey;
    private List<Routes.Route> routes = List.of();
    private final java.util.concurrent.CountDownLatch stopped = new java.util.concurrent.CountDownLatch(1);

    private WeftService(ServiceContext context, List<Feature> features, @Nullable SqliteServeLock lock) {
        this.context = context;
        this.features = List.copyOf(features);
        this.lock = lock;
    }

    /** @param config the config @return a builder */
    public static Builder builder(ServiceConfig config) {
        return new Builder(config);
    }

    /**
     * Builds a {@link WeftService}. Not thread-safe.
     */
    public static final class Builder {
        private final ServiceConfig config;
        private Clock clock = Clock.systemUTC();
        private boolean jvmMetrics = true;
        private List<Feature> features = Features.standard();
        private @Nullable Tracing tracing;
        private Consumer<ConnectFailure> databaseWaiting = failure -> LOG.atWarn()
                .setMessage("waiting for the database").addKeyValue("error.type", failure.reason().code())
                .addKeyValue("reason", failure.description()).log();

        private Builder(ServiceConfig config) {
            this.config = Objects.requireNonNull(config, "config");
        }

        /** @param value the clock @return this */
        public Builder clock(Clock value) {
            this.clock = Objects.requireNonNull(value, "value");
            return this;
        }

        /** @param enabled whether to bind the JVM meters (default on) @return this */
        public Builder jvmMetrics(boolean enabled) {
            this.jvmMetrics = enabled;
            return this;
        }

        /**
         * Replaces the features (default {@link Features#standard()}: operations, users, videos, dashboard, docs).
         *
         * @param value the features, in route registration order
         * @return this
         */
        public Builder features(List<Feature> value) {
            this.features = List.copyOf(value);
            return this;
        }

        /**
         * Sets the tracing (default: {@link Tracing#fromEnvironment} over this process's environment and system
         * properties). The service closes it on stop.
         *
         * @param value the tracing
         * @return this
         */
        public Builder tracing(Tracing value) {
            this.tracing = Objects.requireNonNull(value, "value");
            return this;
        }

        /**
         * Sets what hears of each failed connect while the build waits for the database (default: a WARN log line);
         * {@code weft serve} prints each at once.
         *
         * @param value told of every failed attempt that will be tried again
         * @return this
         */
        public Builder onDatabaseWait(Consumer<ConnectFailure> value) {
            this.databaseWaiting = Objects.requireNonNull(value, "value");
            return this;
        }

        /**
         * Checks what a start needs before doing any work (the address can be listened on; the data directory can
         * be created; the database accepts a connection, waited for up to {@link ServiceConfig#databaseWait()}),
         * then opens the database and caches.
         *
         * @return the service, opened (database, caches) but not yet listening
         * @throws dev.weft.core.WeftException if the address cannot be listened on
         * @throws DatabaseUnreachableException if the database cannot be used: at once for a cause that cannot
         *     pass (no such database, login refused, directory not writable), after the wait for any other
         */
        public WeftService build() {
            // settings first: a bad one ends the start before anything is opened, migrated or generated
            features.forEach(feature -> feature.checkSettings(config));
            // OpenTelemetry's autoconfiguration reports through java.util.logging: routed first, or its lines came
            // out as the JDK's two-line plain text among the JSON log lines
            routeJulToSlf4j();
            // the OTEL_* settings too (an exporter protocol the SDK cannot speak): they were read only after the
            // data directory was created and the database waited for
            Tracing chosen = tracing != null ? tracing
                    : Tracing.fromEnvironment(System.getenv(), System.getProperties());
            SqliteServeLock lock;
            try {
                // a port in use (or an address not of this machine) ends the start before the database is opened or
                // migrated; a bind probe, not listening early, so nothing answers before the service is ready
                HttpEdge.checkCanListen(config.bind(), config.port());
                if (config.database() == null) {
                    createDataDirectory(config.dataDir());
                }
                ConnectProbe.of(config.databaseOrDefault()).await(config.databaseWait(), databaseWaiting);
                lock = SqliteServeLock.acquire(config);
            } catch (RuntimeException | Error e) {
                if (tracing == null) {
                    chosen.close();
                }
                throw e;
            }
            List<Function<DatabaseType, List<Migration>>> migrations = new ArrayList<>();
            features.forEach(feature -> migrations.addAll(feature.migrations()));
            ServiceContext context;
            try {
                // the context owns the tracing from here: it closes it, also when it fails to open
                context = ServiceContext.open(config, clock, migrations, jvmMetrics, chosen);
            } catch (RuntimeException | Error e) {
                if (lock != null) {
                    lock.close();
                }
                throw e;
            }
            return new WeftService(context, features, lock);
        }
    }

    /**
     * Creates the data directory of the embedded database, or says in one line why it cannot be.
     *
     * @throws DatabaseUnreachableException ({@code directory_not_writable}) naming the directory and the setting
     */
    private static void createDataDirectory(java.nio.file.Path dataDir) {
        String fix = "choose another with --data-dir or WEFT_DATA_DIR";
        ConnectFailure failure = ConnectFailure.unwritableDirectory(dataDir, fix);
        IOException error = null;
        if (failure == null) {
            try {
                Files.createDirectories(dataDir);
                failure = ConnectFailure.unwritableDirectory(dataDir, fix); // created, but on a read-only mount?
            } catch (IOException e) {
                error = e;
                failure = new ConnectFailure(ConnectFailure.Reason.NOT_WRITABLE, "directory "
                        + dataDir.toAbsolutePath() + " cannot be created: " + fix);
            }
        }
        if (failure != null) {
            throw new DatabaseUnreachableException("data " + failure.description(), failure, error);
        }
    }

    /**
     * Migrates, waiting up to {@link ServiceConfig#databaseWait()} while weft-db reports the database down: the
     * build connected a moment ago, but a database restarting as the service starts (or a first health probe that
     * failed) should not end the start at once. A database still unreachable after that ends it, with the cause.
     */
    private MigrationResult migrateOnceReachable() {
        long deadline = System.nanoTime() + context.config().databaseWait().toNanos();
        while (true) {
            try {
                return context.migrations().migrate();
            } catch (RuntimeException failure) {
                if (!knownDown(failure) || System.nanoTime() - deadline > 0) {
                    throw failure;
                }
                LOG.atInfo().setMessage("waiting for the database before migrating").log();
                try {
                    Thread.sleep(Duration.ofMillis(250));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw failure;
                }
            }
        }
    }

    /** Whether a failure, or one of its causes, says the database cannot be reached (now, or known down). */
    private static boolean knownDown(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof dev.weft.db.DatabaseUnavailableException) {
                return true;
            }
        }
        return false;
    }

    /**
     * Migrates the database, sets up the admin key and starts listening.
     *
     * @return this
     * @throws dev.weft.db.migrate.MigrationException if the migrations fail
     */
    public WeftService start() {
        routeJulToSlf4j();
        try {
            MigrationResult migrated = migrateOnceReachable();
            if (!migrated.applied().isEmpty()) {
                LOG.atInfo().setMessage("migrations applied").addKeyValue("versions", migrated.applied()).log();
            }
            context.cacheScope();
            ServiceConfig config = context.config();
            // on the context's one Redis connection (bucketStore connects now, before the server listens, so that the
            // first request already takes from the shared bucket); local buckets when the service has no Redis
            RateLimiter limiter = context.redis()
                    .map(redis -> RateLimiter.shared(config.rateLimit(),
                            redis.link().bucketStore(RateLimiter.REDIS_PREFIX), context.registry()))
                    .orElseGet(() -> RateLimiter.local(config.rateLimit(), context.registry()));
            context.health().register("rate_limiter", () -> {
                BucketMode mode = limiter.mode();
                return new HealthChecks.Result(mode != BucketMode.FALLBACK,
                        Map.of("mode", mode.tag(), "rate_limit", limiter.rate()));
            });
            Routes routes = new Routes(config.maxBody());
            List<RouteModule> modules = new ArrayList<>();
            for (Feature feature : features) {
                RouteModule module = feature.open(context);
                if (module instanceof AutoCloseable resource) {
                    closeableModules.add(resource);
                }
                module.routes(routes);
                modules.add(module);
            }
            this.routes = List.copyOf(routes.all());
            modules.forEach(module -> module.allRoutes(this.routes));
            // once every feature opened: a start that fails before this stores no admin key it never showed
            generatedAdminKey = context.apiKeys().initAdmin(context.config().adminKey()).orElse(null);
            server = HttpEdge.start(new HttpEdge.Settings(config.bind(), config.port(), config.shutdownGrace(),
                    Math.max(config.maxBody(), config.maxUpload()) + 65_536, config.requestTimeout(),
                    config.metricsPublic(), config.maxConnections(), config.headerTimeout()), this.routes,
                    context.apiKeys(), limiter, context.json(), context.registry(), context.tracing());
            startupTime("application.started.time", "Time from JVM start until the server listened");
            LOG.atInfo().setMessage("weft service listening").addKeyValue("server.address", config.bind())
                    .addKeyValue("server.port", server.port())
                    .addKeyValue("database", context.database().config().redactedUrl())
                    .addKeyValue("redis", redisAtStart(limiter))
                    .addKeyValue("tracing", context.tracing().enabled())
                    .addKeyValue("startup_ms", ManagementFactory.getRuntimeMXBean().getUptime()).log();
            if (context.redis().isEmpty() && context.database().type() != dev.weft.db.DatabaseType.SQLITE) {
                // a server database may be shared by several instances, which then share nothing else
                LOG.atInfo().setMessage("no redis: caches, rate limits and key revocations are this instance's own;"
                        + " run several instances on one database with REDIS_URL, or a rotated or revoked key stays"
                        + " usable on the others for up to " + CacheKeys.PRINCIPAL_TTL.toMinutes() + " minutes").log();
            }
            // weft runs nothing after it listens (Spring Boot's runners), so ready follows started at once
            startupTime("application.ready.time", "Time from JVM start until the service was ready for requests");
            return this;
        } catch (RuntimeException e) {
            if (generatedAdminKey != null) {
                // not shown (the command prints it once the start returns): stored, it would lock the admin out
                try {
                    context.apiKeys().forgetGenerated(generatedAdminKey);
                } catch (RuntimeException forget) {
                    e.addSuppressed(forget);
                }
                generatedAdminKey = null;
            }
            close();
            throw e;
        }
    }

    /**
     * @return what the listening line says of Redis: {@code off} (not configured), {@code connected}, or
     *     {@code unreachable} (configured but its connection failed before listening: rate limits and caches run on
     *     their local fallbacks until it answers)
     */
    private String redisAtStart(RateLimiter limiter) {
        if (context.redis().isEmpty()) {
            return "off";
        }
        return limiter.mode() == BucketMode.FALLBACK ? "unreachable" : "connected";
    }

    /**
     * Registers a start-up milestone as Spring Boot's Actuator does ({@code application.started.time},
     * {@code application.ready.time}: a time gauge in seconds), but counted from the JVM's start, which includes
     * what Spring Boot's count leaves out (class loading, logging set-up) and is what an operator waits for.
     */
    private void startupTime(String name, String description) {
        long millis = ManagementFactory.getRuntimeMXBean().getUptime();
        TimeGauge.builder(name, () -> millis, TimeUnit.MILLISECONDS).description(description)
                .register(context.registry());
    }

    /** @return the port listened on */
    public int port() {
        return Objects.requireNonNull(server, "not started").port();
    }

    /** @return every route the server answers, in registration order; empty before {@link #start()} */
    public List<Routes.Route> routes() {
        return routes;
    }

    /** @return the context */
    public ServiceContext context() {
        return context;
    }

    /** @return the admin key generated by this start, to print once; empty if it was configured or stored */
    public Optional<String> generatedAdminKey() {
        return Optional.ofNullable(generatedAdminKey);
    }

    /**
     * Blocks until {@link #close()} completes.
     *
     * @throws InterruptedException if interrupted while waiting
     */
    public void awaitShutdown() throws InterruptedException {
        stopped.await();
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        // the first line of a stop (SIGTERM, or a caller): without it the log began with "job workers stopped"
        LOG.atInfo().setMessage("weft service stopping").addKeyValue("grace_ms", context.config().shutdownGrace()
                .toMillis()).log();
        try {
            // long-lived answers (event streams) end first, or the server waits the whole grace for them
            context.stopping();
            if (server != null) {
                server.close();
            }
        } finally {
            try {
                // modules with workers (video jobs) park them before the pools close
                for (AutoCloseable module : closeableModules.reversed()) {
                    try {
                        module.close();
                    } catch (Exception e) {
                        LOG.atWarn().setMessage("closing a module failed").setCause(e).log();
                    }
                }
            } finally {
                try {
                    context.close();
                } finally {
                    if (lock != null) {
                        lock.close();
                    }
                    stopped.countDown();
                }
                LOG.atInfo().setMessage("weft service stopped").log();
            }
        }
    }

    /**
     * Routes {@code java.util.logging} (Helidon's) into SLF4J, so that every line comes out in the service's log
     * format; idempotent. Every command that starts a Helidon server calls it first.
     */
    public static void routeJulToSlf4j() {
        if (!SLF4JBridgeHandler.isInstalled()) {
            SLF4JBridgeHandler.removeHandlersForRootLogger();
            SLF4JBridgeHandler.install();
        }
    }
}
