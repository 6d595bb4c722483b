package dev.weft.service;

import dev.weft.core.InvalidConfigException;
import dev.weft.core.Secret;
import dev.weft.db.DatabaseConfig;
import dev.weft.db.DatabaseType;
import dev.weft.service.settings.Setting;
import dev.weft.service.settings.Settings;
import dev.weft.service.webhooks.WebhooksConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * Everything the service needs to start. Built from the environment ({@link #fromEnv(Map)}, which reads through the
 * settings registry {@link Settings}, also the source of {@code docs/CONFIGURATION.md}) and then adjusted by
 * command-line flags through the withers, so flags win.
 *
 * <p>Immutable and thread-safe.
 *
 * @param bind the address to listen on ({@code WEFT_BIND}, default {@code 127.0.0.1})
 * @param port the port; 0 picks a free one ({@code WEFT_PORT}, default 8080)
 * @param dataDir where the embedded SQLite database and uploads live ({@code WEFT_DATA_DIR}, default
 *     {@code ./weft-data})
 * @param workers job workers, stored for the jobs module ({@code WEFT_WORKERS}, default 16)
 * @param database the database; {@code null} for the embedded SQLite file under {@code dataDir}
 *     ({@code DATABASE_URL} and the {@code DATABASE_*} variables)
 * @param redisUrl Redis for the shared cache tier and rate limits, or {@code null} ({@code WEFT_CACHE_REDIS_URL},
 *     alias {@code REDIS_URL})
 * @param providerUrl the video provider, or {@code null} for the local one ({@code PROVIDER_URL}); stored for the
 *     jobs module
 * @param adminKey the admin key, or {@code null} to use the stored one or generate it ({@code WEFT_ADMIN_KEY})
 * @param maxBody the largest JSON body in bytes ({@code WEFT_MAX_BODY}, default 1 MiB)
 * @param maxUpload the largest upload in bytes ({@code WEFT_MAX_UPLOAD}, default 512 MiB)
 * @param rateLimit requests per second per key ({@code WEFT_RATE_LIMIT}, default 1000)
 * @param metricsPublic whether {@code /metrics} needs no key ({@code WEFT_METRICS_PUBLIC}, default false)
 * @param shutdownGrace how long in-flight requests may run after a stop ({@code WEFT_SHUTDOWN_GRACE} seconds,
 *     default 10)
 * @param requestTimeout each request's deadline, which bounds how long it waits for a database connection
 *     ({@code WEFT_REQUEST_TIMEOUT}, seconds, fractions allowed, or ISO-8601; default 5 s): past it a request
 *     gets 503 {@code pool_exhausted} instead of queueing behind the pool's own acquire timeout (30 s by default)
 * @param infoPublic whether {@code GET /info} needs no key ({@code WEFT_INFO_PUBLIC}, default false): it names the
 *     version, commit and database type, which help an attacker pick an exploit
 * @param databaseWait how long a start waits for a database it cannot connect to while the cause may pass
 *     (refused, unknown host, timeout, a locked SQLite file) before it gives up ({@code WEFT_DB_STARTUP_WAIT} or
 *     {@code --db-wait}, seconds or ISO-8601, default 30 s); a cause that cannot pass (no such database, login
 *     refused, directory not writable) ends the start at once
 * @param webhooks webhooks and job callbacks (the {@code WEFT_WEBHOOKS_*} variables, {@link WebhooksConfig})
 * @param embedded the embedded SQLite database's settings (pool, timeouts, retry, key batching: the {@code WEFT_DB_*}
 *     and {@code DATABASE_*} tuning variables), used when {@code database} is {@code null}; its file is
 *     {@value #EMBEDDED_FILE} under {@code dataDir}, whatever path it names
 * @param maxConnections the most connections the server holds open at once ({@code WEFT_MAX_CONNECTIONS}, default
 *     {@value #DEFAULT_MAX_CONNECTIONS}); a client past it waits in the kernel's accept queue until one closes
 * @param headerTimeout how long a connection may take to send a request's line and headers
 *     ({@code WEFT_HEADER_TIMEOUT}, seconds or ISO-8601, default 20 s): past it the connection gets {@code 408} and
 *     is closed
 */
public record ServiceConfig(String bind, int port, Path dataDir, int workers, @Nullable DatabaseConfig database,
        @Nullable String redisUrl, @Nullable String providerUrl, @Nullable Secret adminKey, long maxBody,
        long maxUpload, int rateLimit, boolean metricsPublic, Duration shutdownGrace, Duration requestTimeout,
        boolean infoPublic, Duration databaseWait, WebhooksConfig webhooks, DatabaseConfig embedded,
        int maxConnections, Duration headerTimeout) {
    /** Default {@link #bind()}. */
    public static final String DEFAULT_BIND = "127.0.0.1";
    /** Default {@link #port()}. */
    public static final int DEFAULT_PORT = 8080;
    /** Default {@link #workers()}: {@link dev.weft.service.jobs.JobsConfig#DEFAULT_WORKERS}. */
    public static final int DEFAULT_WORKERS = dev.weft.service.jobs.JobsConfig.DEFAULT_WORKERS;
    /** Default {@link #maxBody()}: 1 MiB. */
    public static final long DEFAULT_MAX_BODY = 1L << 20;
    /** Default {@link #maxUpload()}: 512 MiB. */
    public static final long DEFAULT_MAX_UPLOAD = 512L << 20;
    /** Default {@link #rateLimit()}. */
    public static final int DEFAULT_RATE_LIMIT = 1000;
    /** Default {@link #shutdownGrace()}. */
    public static final Duration DEFAULT_SHUTDOWN_GRACE = Duration.ofSeconds(10);
    /**
     * Default {@link #requestTimeout()}: long enough for any healthy request to get a connection, short enough that
     * a client (most give up after 10-30 s) still gets an answer it can act on.
     */
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(5);
    /**
     * Default {@link #databaseWait()}: long enough for a database started alongside (compose, a pod) to come up,
     * short enough that a wrong address is reported within a supervisor's patience.
     */
    public static final Duration DEFAULT_DATABASE_WAIT = Duration.ofSeconds(30);
    /**
     * Default {@link #maxConnections()}: about Tomcat's 8192 (Spring Boot's default), far more than one instance
     * serves at once behind a load balancer, and well under a container's usual file-descriptor limit, which the
     * database pool, Redis and uploads need too. Without a cap, each client connection held a descriptor and a
     * virtual thread until the process ran out of descriptors.
     */
    public static final int DEFAULT_MAX_CONNECTIONS = 10_000;
    /**
     * Default {@link #headerTimeout()}: Tomcat's {@code connectionTimeout} (Spring Boot's default too); a real client
     * sends its head in one go, so only a slow-sending attacker or a broken network needs more.
     */
    public static final Duration DEFAULT_HEADER_TIMEOUT = Duration.ofSeconds(20);
    /** The embedded SQLite database's file name under {@link #dataDir()}. */
    public static final String EMBEDDED_FILE = "weft.db";
    /**
     * The variables that name a database server: set without {@code DATABASE_URL} or {@code DATABASE_TYPE} they
     * would be ignored, and the service would start on the embedded SQLite file instead of the server they meant.
     */
    private static final List<Setting> SERVER_PARTS =
            List.of(Settings.DB_HOST, Settings.DB_PORT, Settings.DB_NAME, Settings.DB_USER, Settings.DB_PASSWORD);

    /** Validates every field. */
    public ServiceConfig {
        Objects.requireNonNull(bind, "bind");
        Objects.requireNonNull(dataDir, "dataDir");
        Objects.requireNonNull(shutdownGrace, "shutdownGrace");
        Objects.requireNonNull(requestTimeout, "requestTimeout");
        Objects.requireNonNull(databaseWait, "databaseWait");
        Objects.requireNonNull(webhooks, "webhooks");
        Objects.requireNonNull(embedded, "embedded");
        Objects.requireNonNull(headerTimeout, "headerTimeout");
        if (embedded.type() != DatabaseType.SQLITE) {
            throw new InvalidConfigException("weft.db (embedded)", embedded.type(), "the embedded database is SQLite");
        }
        if (bind.isBlank()) {
            throw new InvalidConfigException(Settings.BIND.label(), bind, "must name an address");
        }
        if (port < 0 || port > 65535) {
            throw new InvalidConfigException(Settings.PORT.label(), port, "must be 0..65535");
        }
        if (workers < 0 || workers > 1024) {
            throw new InvalidConfigException(Settings.WORKERS.label(), workers, "must be 0..1024");
        }
        if (maxBody < 1024) {
            throw new InvalidConfigException(Settings.MAX_BODY.label(), maxBody, "must be >= 1024 bytes");
        }
        if (maxUpload < 1024) {
            throw new InvalidConfigException(Settings.MAX_UPLOAD.label(), maxUpload, "must be >= 1024 bytes");
        }
        if (rateLimit < 1) {
            throw new InvalidConfigException(Settings.RATE_LIMIT.label(), rateLimit, "must be >= 1 request per second");
        }
        if (shutdownGrace.isNegative()) {
            throw new InvalidConfigException(Settings.SHUTDOWN_GRACE.label(), shutdownGrace, "must not be negative");
        }
        if (requestTimeout.compareTo(Duration.ofMillis(100)) < 0) {
            throw new InvalidConfigException(Settings.REQUEST_TIMEOUT.label(), requestTimeout,
                    "must be at least 100 ms");
        }
        if (maxConnections < 1 || maxConnections > 1_000_000) {
            throw new InvalidConfigException(Settings.MAX_CONNECTIONS.label(), maxConnections, "must be 1..1000000");
        }
        if (headerTimeout.compareTo(Duration.ofMillis(100)) < 0) {
            throw new InvalidConfigException(Settings.HEADER_TIMEOUT.label(), headerTimeout,
                    "must be at least 100 ms");
        }
        if (databaseWait.isNegative()) {
            throw new InvalidConfigException(Settings.DB_STARTUP_WAIT.label(), databaseWait,
                    "must not be negative");
        }
        if (redisUrl != null && redisUrl.isBlank()) {
            redisUrl = null;
        }
        if (providerUrl != null && providerUrl.isBlank()) {
            providerUrl = null;
        }
    }

    /** @return the embedded default: SQLite under {@code ./weft-data}, no Redis, 127.0.0.1:8080 */
    public static ServiceConfig defaults() {
        return new ServiceConfig(DEFAULT_BIND, DEFAULT_PORT, Path.of("weft-data"), DEFAULT_WORKERS, null, null, null,
                null, DEFAULT_MAX_BODY, DEFAULT_MAX_UPLOAD, DEFAULT_RATE_LIMIT, false, DEFAULT_SHUTDOWN_GRACE,
                DEFAULT_REQUEST_TIMEOUT, false, DEFAULT_DATABASE_WAIT, WebhooksConfig.defaults(),
                DatabaseConfig.sqlite(EMBEDDED_FILE), DEFAULT_MAX_CONNECTIONS, DEFAULT_HEADER_TIMEOUT);
    }

    /**
     * Reads the config from the environment through the settings registry ({@link Settings}: each variable is
     * parsed and range-checked there, and an error names it); also checks {@code WEFT_LOG_FORMAT},
     * {@code WEFT_LOG_LEVEL} and {@code WEFT_ACCESS_LOG}, which logback has already applied (an unknown value is
     * refused here, so the start fails instead of logging in a way nobody asked for).
     *
     * @param env environment variables
     * @return the config they describe, defaults for the rest
     * @throws InvalidConfigException naming the first invalid variable
     */
    public static ServiceConfig fromEnv(Map<String, String> env) {
        // logback read them already (LogConfigurator, which cannot stop the JVM, fell back to defaults): refuse here
        LogFormat.of(env.get(LogFormat.SETTING));
        Settings.LOG_LEVEL.text(env);
        Settings.ACCESS_LOG.text(env);
        ServiceConfig base = defaults();
        // present even if empty: DatabaseConfig.fromEnv then says what is missing instead of falling back to SQLite
        boolean hasDatabase = Stream.of(Settings.DB_URL, Settings.DB_TYPE)
                .flatMap(setting -> setting.variables().stream()).anyMatch(env::containsKey);
        return base.toBuilder()
                .bind(Settings.BIND.text(env, base.bind()))
                .port(Settings.PORT.integer(env, base.port()))
                .dataDir(Path.of(Settings.DATA_DIR.text(env, base.dataDir().toString())))
                .workers(Settings.WORKERS.integer(env, base.workers()))
                .database(hasDatabase ? DatabaseConfig.fromEnv(env) : null)
                .redisUrl(Settings.REDIS_URL.text(env))
                .providerUrl(Settings.PROVIDER_URL.text(env))
                .adminKey(adminKey(env))
                .maxBody(Settings.MAX_BODY.number(env, base.maxBody()))
                .maxUpload(Settings.MAX_UPLOAD.number(env, base.maxUpload()))
                .rateLimit(Settings.RATE_LIMIT.integer(env, base.rateLimit()))
                .metricsPublic(Settings.METRICS_PUBLIC.bool(env, false))
                .shutdownGrace(Settings.SHUTDOWN_GRACE.seconds(env, base.shutdownGrace()))
                .requestTimeout(Settings.REQUEST_TIMEOUT.seconds(env, base.requestTimeout()))
                .infoPublic(Settings.INFO_PUBLIC.bool(env, false))
                .databaseWait(Settings.DB_STARTUP_WAIT.seconds(env, base.databaseWait()))
                .webhooks(WebhooksConfig.fromEnv(env))
                .embedded(hasDatabase ? base.embedded() : embeddedFromEnv(env))
                .maxConnections(Settings.MAX_CONNECTIONS.integer(env, base.maxConnections()))
                .headerTimeout(Settings.HEADER_TIMEOUT.seconds(env, base.headerTimeout()))
                .build();
    }

    /**
     * The embedded database's settings from the tuning variables ({@code WEFT_DB_POOL_SIZE}, ...), read and checked
     * as for a database server; a variable naming a server (host, port, name, user, password) without
     * {@code DATABASE_URL} or {@code DATABASE_TYPE} is refused.
     */
    private static DatabaseConfig embeddedFromEnv(Map<String, String> env) {
        for (Setting setting : SERVER_PARTS) {
            for (String variable : setting.variables()) {
                String value = env.get(variable);
                if (value != null && !value.isEmpty()) {
                    throw new InvalidConfigException(variable, setting.secret() ? "****" : value,
                            "names a database server, but neither DATABASE_URL nor DATABASE_TYPE is set, and the "
                                    + "embedded SQLite database takes no " + setting.key().substring("weft.db.".length())
                                    + ": set DATABASE_URL (or WEFT_DB_URL) to use the server");
                }
            }
        }
        Map<String, String> withFile = new HashMap<>(env);
        withFile.put(Settings.DB_URL.variables().getFirst(), "sqlite:" + EMBEDDED_FILE);
        return DatabaseConfig.fromEnv(withFile);
    }

    /**
     * The admin key, refused when it is a deploy file's placeholder or short enough to guess: either way anyone who
     * read the examples could administer the service.
     */
    private static @Nullable Secret adminKey(Map<String, String> env) {
        Secret key = Settings.ADMIN_KEY.secret(env);
        if (key == null) {
            return null;
        }
        String value = key.reveal();
        if (value.startsWith(Settings.ADMIN_KEY_PLACEHOLDER) || value.length() < Settings.ADMIN_KEY_MIN_LENGTH) {
            throw new InvalidConfigException(Settings.ADMIN_KEY.label(), key,
                    "must be at least " + Settings.ADMIN_KEY_MIN_LENGTH + " characters and not start with "
                            + Settings.ADMIN_KEY_PLACEHOLDER + " (choose a random key, e.g. openssl rand -hex 24)");
        }
        return key;
    }

    /**
     * @return the database to open: the configured one, or the embedded SQLite file under {@link #dataDir()} with
     *     the {@link #embedded()} settings
     */
    public DatabaseConfig databaseOrDefault() {
        return database != null ? database
                : embedded.toBuilder().database(dataDir.resolve(EMBEDDED_FILE).toString()).build();
    }

    /**
     * @return the file of the SQLite database {@link #databaseOrDefault()} opens (the path part of a {@code file:}
     *     URI, as the driver reads it), or empty when the database is not SQLite
     */
    public Optional<java.nio.file.Path> sqliteFile() {
        DatabaseConfig opened = databaseOrDefault();
        if (opened.type() != DatabaseType.SQLITE) {
            return Optional.empty();
        }
        String name = opened.database();
        String path = name.startsWith("file:") ? name.substring("file:".length()) : name;
        int query = path.indexOf('?');
        return Optional.of(java.nio.file.Path.of(query < 0 ? path : path.substring(0, query)));
    }

    /** @return the Redis URL, if configured */
    public Optional<String> redis() {
        return Optional.ofNullable(redisUrl);
    }

    /** @param value the bind address @return a copy */
    public ServiceConfig withBind(String value) {
        return toBuilder().bind(value).build();
    }

    /** @param value the port @return a copy */
    public ServiceConfig withPort(int value) {
        return toBuilder().port(value).build();
    }

    /** @param value the data directory @return a copy */
    public ServiceConfig withDataDir(Path value) {
        return toBuilder().dataDir(value).build();
    }

    /** @param value the worker count @return a copy */
    public ServiceConfig withWorkers(int value) {
        return toBuilder().workers(value).build();
    }

    /** @param value the database, or {@code null} for the embedded one @return a copy */
    public ServiceConfig withDatabase(@Nullable DatabaseConfig value) {
        return toBuilder().database(value).build();
    }

    /** @param value the Redis URL or {@code null} @return a copy */
    public ServiceConfig withRedisUrl(@Nullable String value) {
        return toBuilder().redisUrl(value).build();
    }

    /** @param value the provider URL or {@code null} @return a copy */
    public ServiceConfig withProviderUrl(@Nullable String value) {
        return toBuilder().providerUrl(value).build();
    }

    /** @param value the admin key or {@code null} @return a copy */
    public ServiceConfig withAdminKey(@Nullable Secret value) {
        return toBuilder().adminKey(value).build();
    }

    /** @param value the body limit @return a copy */
    public ServiceConfig withMaxBody(long value) {
        return toBuilder().maxBody(value).build();
    }

    /** @param value the upload limit @return a copy */
    public ServiceConfig withMaxUpload(long value) {
        return toBuilder().maxUpload(value).build();
    }

    /** @param value requests per second per key @return a copy */
    public ServiceConfig withRateLimit(int value) {
        return toBuilder().rateLimit(value).build();
    }

    /** @param value whether /metrics is public @return a copy */
    public ServiceConfig withMetricsPublic(boolean value) {
        return toBuilder().metricsPublic(value).build();
    }

    /** @param value the grace period of a stop @return a copy */
    public ServiceConfig withShutdownGrace(Duration value) {
        return toBuilder().shutdownGrace(value).build();
    }

    /** @param value each request's deadline @return a copy */
    public ServiceConfig withRequestTimeout(Duration value) {
        return toBuilder().requestTimeout(value).build();
    }

    /** @param value whether {@code GET /info} is public @return a copy */
    public ServiceConfig withInfoPublic(boolean value) {
        return toBuilder().infoPublic(value).build();
    }

    /** @param value how long a start waits for the database @return a copy */
    public ServiceConfig withDatabaseWait(Duration value) {
        return toBuilder().databaseWait(value).build();
    }

    /** @param value the webhook settings @return a copy */
    public ServiceConfig withWebhooks(WebhooksConfig value) {
        return toBuilder().webhooks(value).build();
    }

    /** @param value the embedded SQLite database's settings (its path is ignored) @return a copy */
    public ServiceConfig withEmbedded(DatabaseConfig value) {
        return toBuilder().embedded(value).build();
    }

    /** @param value the most connections held open at once @return a copy */
    public ServiceConfig withMaxConnections(int value) {
        return toBuilder().maxConnections(value).build();
    }

    /** @param value how long a request's head may take @return a copy */
    public ServiceConfig withHeaderTimeout(Duration value) {
        return toBuilder().headerTimeout(value).build();
    }

    /** @return a builder holding this config's values */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /** @return a builder holding {@link #defaults()} */
    public static Builder builder() {
        return defaults().toBuilder();
    }

    /**
     * Builds a {@link ServiceConfig} one setting at a time, starting from another config's values; {@link #build()}
     * checks them all. A setting added to the config is added here once, not to every wither.
     *
     * <p>Not thread-safe.
     */
    public static final class Builder {
        private String bind;
        private int port;
        private Path dataDir;
        private int workers;
        private @Nullable DatabaseConfig database;
        private @Nullable String redisUrl;
        private @Nullable String providerUrl;
        private @Nullable Secret adminKey;
        private long maxBody;
        private long maxUpload;
        private int rateLimit;
        private boolean metricsPublic;
        private Duration shutdownGrace;
        private Duration requestTimeout;
        private boolean infoPublic;
        private Duration databaseWait;
        private WebhooksConfig webhooks;
        private DatabaseConfig embedded;
        private int maxConnections;
        private Duration headerTimeout;

        private Builder(ServiceConfig from) {
            bind = from.bind;
            port = from.port;
            dataDir = from.dataDir;
            workers = from.workers;
            database = from.database;
            redisUrl = from.redisUrl;
            providerUrl = from.providerUrl;
            adminKey = from.adminKey;
            maxBody = from.maxBody;
            maxUpload = from.maxUpload;
            rateLimit = from.rateLimit;
            metricsPublic = from.metricsPublic;
            shutdownGrace = from.shutdownGrace;
            requestTimeout = from.requestTimeout;
            infoPublic = from.infoPublic;
            databaseWait = from.databaseWait;
            webhooks = from.webhooks;
            embedded = from.embedded;
            maxConnections = from.maxConnections;
            headerTimeout = from.headerTimeout;
        }

        /** @param value the bind address @return this builder */
        public Builder bind(String value) {
            bind = value;
            return this;
        }

        /** @param value the port @return this builder */
        public Builder port(int value) {
            port = value;
            return this;
        }

        /** @param value the data directory @return this builder */
        public Builder dataDir(Path value) {
            dataDir = value;
            return this;
        }

        /** @param value the worker count @return this builder */
        public Builder workers(int value) {
            workers = value;
            return this;
        }

        /** @param value the database, or {@code null} for the embedded one @return this builder */
        public Builder database(@Nullable DatabaseConfig value) {
            database = value;
            return this;
        }

        /** @param value the Redis URL or {@code null} @return this builder */
        public Builder redisUrl(@Nullable String value) {
            redisUrl = value;
            return this;
        }

        /** @param value the provider URL or {@code null} @return this builder */
        public Builder providerUrl(@Nullable String value) {
            providerUrl = value;
            return this;
        }

        /** @param value the admin key or {@code null} @return this builder */
        public Builder adminKey(@Nullable Secret value) {
            adminKey = value;
            return this;
        }

        /** @param value the body limit @return this builder */
        public Builder maxBody(long value) {
            maxBody = value;
            return this;
        }

        /** @param value the upload limit @return this builder */
        public Builder maxUpload(long value) {
            maxUpload = value;
            return this;
        }

        /** @param value requests per second per key @return this builder */
        public Builder rateLimit(int value) {
            rateLimit = value;
            return this;
        }

        /** @param value whether /metrics is public @return this builder */
        public Builder metricsPublic(boolean value) {
            metricsPublic = value;
            return this;
        }

        /** @param value the grace period of a stop @return this builder */
        public Builder shutdownGrace(Duration value) {
            shutdownGrace = value;
            return this;
        }

        /** @param value each request's deadline @return this builder */
        public Builder requestTimeout(Duration value) {
            requestTimeout = value;
            return this;
        }

        /** @param value whether {@code GET /info} is public @return this builder */
        public Builder infoPublic(boolean value) {
            infoPublic = value;
            return this;
        }

        /** @param value how long a start waits for the database @return this builder */
        public Builder databaseWait(Duration value) {
            databaseWait = value;
            return this;
        }

        /** @param value the webhook settings @return this builder */
        public Builder webhooks(WebhooksConfig value) {
            webhooks = value;
            return this;
        }

        /** @param value the embedded SQLite database's settings (its path is ignored) @return this builder */
        public Builder embedded(DatabaseConfig value) {
            embedded = value;
            return this;
        }

        /** @param value the most connections held open at once @return this builder */
        public Builder maxConnections(int value) {
            maxConnections = value;
            return this;
        }

        /** @param value how long a request's head may take @return this builder */
        public Builder headerTimeout(Duration value) {
            headerTimeout = value;
            return this;
        }

        /**
         * @return the config
         * @throws InvalidConfigException naming the first invalid setting
         */
        public ServiceConfig build() {
            return new ServiceConfig(bind, port, dataDir, workers, database, redisUrl, providerUrl, adminKey,
                    maxBody, maxUpload, rateLimit, metricsPublic, shutdownGrace, requestTimeout, infoPublic,
                    databaseWait, webhooks, embedded, maxConnections, headerTimeout);
        }
    }
}
