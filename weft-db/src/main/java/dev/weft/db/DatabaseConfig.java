package dev.weft.db;

import dev.weft.core.Checks;
import dev.weft.core.InstanceName;
import dev.weft.core.InvalidConfigException;
import dev.weft.core.Secret;
import dev.weft.db.internal.ConfigUrls;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Everything weft needs to open a {@link Database}: which server, which credentials, the pool, timeouts and
 * retry. Built in code ({@link #builder(DatabaseType)}), from a URL ({@link #fromUrl(String)}) or from the
 * environment ({@link #fromEnv()}, the guides' {@code DATABASE_*} variables and their {@code WEFT_DB_*} forms).
 *
 * <p>Every value is checked when the record is built; an invalid one throws {@link InvalidConfigException}
 * naming the setting. The password is a {@link Secret}: {@link #toString()} never shows it.
 *
 * <p>Immutable and thread-safe.
 *
 * @param name the instance name used in logs, metric tags and errors ({@code weft.db.name}); default
 *     {@code primary}
 * @param type the database product
 * @param host the server's host; ignored for SQLite
 * @param port the server's port; ignored for SQLite
 * @param database the database name, or for SQLite the file path ({@code :memory:} is refused: each pooled
 *     connection would see its own empty database)
 * @param username the user; may be empty for SQLite
 * @param password the password; {@link Secret#empty()} for none
 * @param pool the pool settings
 * @param statementTimeout the timeout of a statement that sets none of its own; {@link Duration#ZERO} for none
 *     ({@code weft.db.statement-timeout}, alias {@code DATABASE_STATEMENT_TIMEOUT})
 * @param connectTimeout the longest the driver waits to open a connection ({@code weft.db.connect-timeout},
 *     alias {@code DATABASE_CONNECT_TIMEOUT})
 * @param retry retry of transient faults
 * @param slowQueryThreshold queries at least this slow are kept in {@link QueryMetrics#slowQueries()}
 *     ({@code weft.db.slow-query-threshold})
 * @param properties extra driver properties, passed through unchanged
 * @param keyBatching the automatic batching of concurrent key reads ({@link Database#keyed}); on by default
 */
public record DatabaseConfig(String name, DatabaseType type, String host, int port, String database,
        String username, Secret password, PoolConfig pool, Duration statementTimeout, Duration connectTimeout,
        RetryConfig retry, Duration slowQueryThreshold, Map<String, String> properties,
        KeyBatchingConfig keyBatching) {

    /** Default {@link #name()}. */
    public static final String DEFAULT_NAME = "primary";
    /** Default {@link #statementTimeout()}. */
    public static final Duration DEFAULT_STATEMENT_TIMEOUT = Duration.ofSeconds(30);
    /** Default {@link #connectTimeout()}. */
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);
    /** Default {@link #slowQueryThreshold()}. */
    public static final Duration DEFAULT_SLOW_QUERY_THRESHOLD = Duration.ofSeconds(1);

    /** Validates every field; see the field docs for the rules. */
    public DatabaseConfig {
        InstanceName.check("weft.db.name", name);
        Checks.required("weft.db.type (DATABASE_TYPE)", type);
        properties = Map.copyOf(Objects.requireNonNull(properties, "properties"));
        Objects.requireNonNull(host, "host");
        Checks.notBlank("weft.db.name-or-path (DATABASE_NAME)", database);
        Objects.requireNonNull(username, "username");
        Objects.requireNonNull(password, "password");
        Checks.required("weft.db.pool", pool);
        Checks.required("weft.db.retry", retry);
        Checks.required("weft.db.key-batching", keyBatching);
        if (type == DatabaseType.SQLITE) {
            if (database.contains(":memory:") || database.contains("mode=memory")
                    || "memory".equalsIgnoreCase(properties.get("mode"))) {
                throw new InvalidConfigException("weft.db.name-or-path (DATABASE_NAME)", database,
                        "an in-memory SQLite database is per connection; use a file");
            }
        } else {
            Checks.notBlank("weft.db.host (DATABASE_HOST)", host);
            Checks.between("weft.db.port (DATABASE_PORT)", port, 1, 65_535);
        }
        Checks.atLeast("weft.db.statement-timeout (DATABASE_STATEMENT_TIMEOUT)", statementTimeout, Duration.ZERO);
        Checks.atLeast("weft.db.connect-timeout (DATABASE_CONNECT_TIMEOUT)", connectTimeout, Duration.ofMillis(100));
        Checks.atLeast("weft.db.slow-query-threshold", slowQueryThreshold, Duration.ZERO);
        for (String key : properties.keySet()) {
            if (key.toLowerCase(java.util.Locale.ROOT).contains("password")) {
                throw new InvalidConfigException("weft.db.properties", key, "the password belongs in password, not in properties");
            }
        }
    }

    /**
     * The config with key batching at its defaults: the form from before {@code keyBatching} existed.
     *
     * @param name see the record's fields
     * @param type see the record's fields
     * @param host see the record's fields
     * @param port see the record's fields
     * @param database see the record's fields
     * @param username see the record's fields
     * @param password see the record's fields
     * @param pool see the record's fields
     * @param statementTimeout see the record's fields
     * @param connectTimeout see the record's fields
     * @param retry see the record's fields
     * @param slowQueryThreshold see the record's fields
     * @param properties see the record's fields
     */
    public DatabaseConfig(String name, DatabaseType type, String host, int port, String database, String username,
            Secret password, PoolConfig pool, Duration statementTimeout, Duration connectTimeout, RetryConfig retry,
            Duration slowQueryThreshold, Map<String, String> properties) {
        this(name, type, host, port, database, username, password, pool, statementTimeout, connectTimeout, retry,
                slowQueryThreshold, properties, KeyBatchingConfig.defaults());
    }

    /**
     * @param type the database product
     * @return a builder with every default set
     */
    public static Builder builder(DatabaseType type) {
        return new Builder(type);
    }

    /**
     * Builds a config for a SQLite file with default settings.
     *
     * @param path the database file; created if missing
     * @return the config
     */
    public static DatabaseConfig sqlite(String path) {
        return builder(DatabaseType.SQLITE).database(path).build();
    }

    /**
     * Parses a database URL. Accepted forms: {@code postgresql://user:pass@host:port/db},
     * {@code postgres://...}, SQLAlchemy's {@code postgresql+asyncpg://...}, {@code mysql://...},
     * {@code mariadb://...}, {@code sqlite:///relative.db}, {@code sqlite:////absolute.db},
     * {@code sqlite:path.db}, and the JDBC forms {@code jdbc:postgresql://...}, {@code jdbc:mysql://...},
     * {@code jdbc:mariadb://...}, {@code jdbc:sqlite:path}. User and password may be in the user-info part or
     * in {@code user}/{@code password} query parameters; other query parameters become driver properties.
     *
     * @param url the URL
     * @return a builder filled from the URL, to adjust further or {@link Builder#build()}
     * @throws InvalidConfigException if the URL cannot be parsed; the message never contains the password
     */
    public static Builder fromUrl(String url) {
        return ConfigUrls.parse(url, "weft.db.url (DATABASE_URL)");
    }

    /**
     * Reads the config from the process environment; see {@link #fromEnv(Map)}.
     *
     * @return the config
     * @throws InvalidConfigException if a variable is invalid or none names a database
     */
    public static DatabaseConfig fromEnv() {
        return fromEnv(System.getenv());
    }

    /**
     * Reads the config from environment variables: {@code DATABASE_URL}, or {@code DATABASE_TYPE},
     * {@code DATABASE_HOST}, {@code DATABASE_PORT}, {@code DATABASE_NAME}, {@code DATABASE_USER},
     * {@code DATABASE_PASSWORD}; then {@code DATABASE_POOL_SIZE}, {@code DATABASE_MAX_OVERFLOW},
     * {@code DATABASE_POOL_TIMEOUT} (seconds), {@code DATABASE_POOL_RECYCLE} (seconds),
     * {@code DATABASE_POOL_PRE_PING}, {@code DATABASE_POOL_IDLE_TIMEOUT} (seconds), {@code DATABASE_POOL_MAX_WAITING},
     * {@code DATABASE_POOL_LEAK_DETECTION} (seconds),
     * {@code DATABASE_STATEMENT_TIMEOUT} (seconds),
     * {@code DATABASE_CONNECT_TIMEOUT} (seconds), {@code DATABASE_MAX_RETRIES}, {@code DATABASE_RETRY_DELAY}
     * (seconds), {@code DATABASE_SLOW_QUERY_THRESHOLD} (seconds), {@code DATABASE_KEY_BATCHING} (true/false),
     * {@code DATABASE_KEY_BATCH_SIZE} and {@code DATABASE_KEY_BATCHES_IN_FLIGHT}. Each also has a
     * {@code WEFT_DB_*} form
     * ({@code WEFT_DB_URL}, {@code WEFT_DB_POOL_SIZE}, ...), which wins when both are set.
     *
     * @param env the variables
     * @return the config
     * @throws InvalidConfigException if a variable is invalid or none names a database
     */
    public static DatabaseConfig fromEnv(Map<String, String> env) {
        return ConfigUrls.fromEnv(env);
    }

    /** @return the config without the password, e.g. for logs */
    @Override
    public String toString() {
        return "DatabaseConfig[name=" + name + ", type=" + type + ", url=" + redactedUrl() + ", pool=" + pool
                + ", statementTimeout=" + statementTimeout + ", connectTimeout=" + connectTimeout + ", retry="
                + retry + ", slowQueryThreshold=" + slowQueryThreshold + ", properties=" + properties.keySet()
                + ", keyBatching=" + keyBatching + "]";
    }

    /** @return a URL naming this database with the password replaced by {@code ****} */
    public String redactedUrl() {
        if (type == DatabaseType.SQLITE) {
            return "sqlite:" + database;
        }
        String user = username.isEmpty() ? "" : username + (password.isEmpty() ? "" : ":****") + "@";
        String hostAndPort = host.indexOf(',') >= 0 && host.substring(host.lastIndexOf(',')).indexOf(':') >= 0
                ? host : host + ":" + port; // several hosts name their own ports
        return type.name().toLowerCase(java.util.Locale.ROOT) + "://" + user + hostAndPort + "/" + database;
    }

    /**
     * @param newName the instance name
     * @return a copy with {@code name} changed
     */
    public DatabaseConfig withName(String newName) {
        return toBuilder().name(newName).build();
    }

    /**
     * @param newPool the pool settings
     * @return a copy with {@code pool} changed
     */
    public DatabaseConfig withPool(PoolConfig newPool) {
        return toBuilder().pool(newPool).build();
    }

    /**
     * @param newTimeout the default statement timeout
     * @return a copy with {@code statementTimeout} changed
     */
    public DatabaseConfig withStatementTimeout(Duration newTimeout) {
        return toBuilder().statementTimeout(newTimeout).build();
    }

    /** @return a builder holding this config's values */
    public Builder toBuilder() {
        Builder builder = new Builder(type);
        builder.name = name;
        builder.host = host;
        builder.port = port;
        builder.database = database;
        builder.username = username;
        builder.password = password;
        builder.pool = pool;
        builder.statementTimeout = statementTimeout;
        builder.connectTimeout = connectTimeout;
        builder.retry = retry;
        builder.slowQueryThreshold = slowQueryThreshold;
        builder.properties.putAll(properties);
        builder.keyBatching = keyBatching;
        return builder;
    }

    /**
     * Builds a {@link DatabaseConfig}. Not thread-safe; {@link #build()} validates everything.
     */
    public static final class Builder {
        private final DatabaseType type;
        private String name = DEFAULT_NAME;
        private String host = "127.0.0.1";
        private int port;
        private String database = "";
        private String username = "";
        private Secret password = Secret.empty();
        private PoolConfig pool = PoolConfig.defaults();
        private Duration statementTimeout = DEFAULT_STATEMENT_TIMEOUT;
        private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
        private RetryConfig retry = RetryConfig.defaults();
        private Duration slowQueryThreshold = DEFAULT_SLOW_QUERY_THRESHOLD;
        private final Map<String, String> properties = new LinkedHashMap<>();
        private KeyBatchingConfig keyBatching = KeyBatchingConfig.defaults();

        private Builder(DatabaseType type) {
            this.type = Objects.requireNonNull(type, "type");
            this.port = type.defaultPort();
        }

        /** @return the type this builder builds for */
        public DatabaseType type() {
            return type;
        }

        /** @param value the instance name @return this */
        public Builder name(String value) {
            this.name = value;
            return this;
        }

        /** @param value the server host @return this */
        public Builder host(String value) {
            this.host = value;
            return this;
        }

        /** @param value the server port @return this */
        public Builder port(int value) {
            this.port = value;
            return this;
        }

        /** @param value the database name, or the SQLite file path @return this */
        public Builder database(String value) {
            this.database = value;
            return this;
        }

        /** @param value the user @return this */
        public Builder username(String value) {
            this.username = value;
            return this;
        }

        /** @param value the password @return this */
        public Builder password(String value) {
            this.password = Secret.of(value);
            return this;
        }

        /** @param value the password @return this */
        public Builder password(Secret value) {
            this.password = value;
            return this;
        }

        /** @param value the pool settings @return this */
        public Builder pool(PoolConfig value) {
            this.pool = value;
            return this;
        }

        /** @param size connections kept open @return this */
        public Builder poolSize(int size) {
            this.pool = pool.withSize(size);
            return this;
        }

        /** @param overflow extra connections under load @return this */
        public Builder maxOverflow(int overflow) {
            this.pool = pool.withMaxOverflow(overflow);
            return this;
        }

        /** @param value the longest wait for a connection @return this */
        public Builder acquireTimeout(Duration value) {
            this.pool = pool.withAcquireTimeout(value);
            return this;
        }

        /** @param value the most callers that may wait for a connection at once @return this */
        public Builder maxWaiting(int value) {
            this.pool = pool.withMaxWaiting(value);
            return this;
        }

        /** @param value the default statement timeout, ZERO for none @return this */
        public Builder statementTimeout(Duration value) {
            this.statementTimeout = value;
            return this;
        }

        /** @param value the connect timeout @return this */
        public Builder connectTimeout(Duration value) {
            this.connectTimeout = value;
            return this;
        }

        /** @param value the retry policy @return this */
        public Builder retry(RetryConfig value) {
            this.retry = value;
            return this;
        }

        /** @param value the slow-query threshold @return this */
        public Builder slowQueryThreshold(Duration value) {
            this.slowQueryThreshold = value;
            return this;
        }

        /** @param key a driver property @param value its value @return this */
        public Builder property(String key, String value) {
            this.properties.put(key, value);
            return this;
        }

        /** @param value the key batching settings @return this */
        public Builder keyBatching(KeyBatchingConfig value) {
            this.keyBatching = value;
            return this;
        }

        /** @param enabled whether concurrent key reads are batched ({@code weft.db.key-batching}) @return this */
        public Builder keyBatching(boolean enabled) {
            this.keyBatching = keyBatching.withEnabled(enabled);
            return this;
        }

        /**
         * @return the config
         * @throws InvalidConfigException naming the first invalid setting
         */
        public DatabaseConfig build() {
            return new DatabaseConfig(name, type, host, port, database, username, password, pool, statementTimeout,
                    connectTimeout, retry, slowQueryThreshold, properties, keyBatching);
        }
    }
}
