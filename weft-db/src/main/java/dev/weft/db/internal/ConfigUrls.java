package dev.weft.db.internal;

import dev.weft.core.Checks;
import dev.weft.core.InvalidConfigException;
import dev.weft.core.Secret;
import dev.weft.db.DatabaseConfig;
import dev.weft.db.DatabaseType;
import dev.weft.db.KeyBatchingConfig;
import dev.weft.db.PoolConfig;
import dev.weft.db.RetryConfig;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.StringJoiner;
import org.jspecify.annotations.Nullable;

/** Parses database URLs and {@code DATABASE_*} environment variables into {@link DatabaseConfig}. */
public final class ConfigUrls {
    private ConfigUrls() {
    }

    /**
     * @param url the URL
     * @param setting the setting it came from
     * @return a builder filled from the URL
     */
    public static DatabaseConfig.Builder parse(String url, String setting) {
        if (url == null || url.isBlank()) {
            throw new InvalidConfigException(setting, url, "must not be blank");
        }
        String text = url.trim();
        if (text.regionMatches(true, 0, "jdbc:", 0, 5)) {
            text = text.substring(5);
        }
        int colon = text.indexOf(':');
        if (colon <= 0) {
            throw new InvalidConfigException(setting, redact(url), "must start with a scheme such as postgresql://");
        }
        DatabaseType type = DatabaseType.parse(setting, text.substring(0, colon));
        if (type == DatabaseType.SQLITE) {
            return sqlite(text.substring(colon + 1), setting, url);
        }
        URI uri;
        try {
            uri = new URI(text);
        } catch (URISyntaxException e) {
            // The message may echo the URL, password included: drop the cause's text.
            throw new InvalidConfigException(setting, redact(url), "is not a valid URL");
        }
        DatabaseConfig.Builder builder;
        String hostList = hostList(uri);
        if (hostList != null) {
            if (type != DatabaseType.POSTGRESQL) {
                throw new InvalidConfigException(setting, redact(url), "names several hosts, which only PostgreSQL"
                        + " URLs support (pgjdbc's multi-host form, e.g. with targetServerType=primary)");
            }
            builder = DatabaseConfig.builder(type).host(hostList);
        } else if (uri.getHost() == null) {
            // java.net.URI parses "host:notaport" as a registry authority with no host: say what may be wrong, without
            // echoing the text, which may be part of a password
            String authority = uri.getRawAuthority();
            String hostAndPort = authority == null ? "" : authority.substring(authority.lastIndexOf('@') + 1);
            int portAt = hostAndPort.lastIndexOf(':');
            throw new InvalidConfigException(setting, redact(url), portAt > 0 && hostAndPort.indexOf(']') < portAt
                    ? "has a port that is not a number (or a password with an unescaped '@' or '/')" : "has no host");
        } else {
            builder = DatabaseConfig.builder(type).host(uri.getHost());
            if (uri.getPort() > 0) {
                builder.port(uri.getPort());
            }
        }
        String path = uri.getPath() == null ? "" : uri.getPath();
        if (path.startsWith("/")) {
            path = path.substring(1);
        }
        if (path.isEmpty()) {
            throw new InvalidConfigException(setting, redact(url), "names no database");
        }
        builder.database(decode(path));
        String userInfo = uri.getRawUserInfo();
        if (hostList != null && uri.getRawAuthority().lastIndexOf('@') > 0) {
            // a multi-host authority is not a server-based one to java.net.URI: it has no user info of its own
            userInfo = uri.getRawAuthority().substring(0, uri.getRawAuthority().lastIndexOf('@'));
        }
        if (userInfo != null) {
            int split = userInfo.indexOf(':');
            builder.username(decode(split < 0 ? userInfo : userInfo.substring(0, split)));
            if (split >= 0) {
                builder.password(Secret.of(decode(userInfo.substring(split + 1))));
            }
        }
        String query = uri.getRawQuery();
        if (query != null) {
            addQuery(builder, query);
        }
        if (hostList != null && (query == null || !query.contains("targetServerType="))) {
            // without it pgjdbc takes any host that answers: after a failover, the old primary back as a standby
            builder.property("targetServerType", "primary");
        }
        return builder;
    }

    /**
     * The hosts of a multi-host URL ({@code postgresql://user@h1:5432,h2:5433/db}, as pgjdbc takes them for a primary
     * and its standbys), each with its port ({@code 5432} where none is given); {@code null} for one host.
     */
    private static @Nullable String hostList(URI uri) {
        String authority = uri.getRawAuthority();
        if (uri.getHost() != null || authority == null || authority.indexOf(',') < 0) {
            return null;
        }
        String hosts = authority.substring(authority.lastIndexOf('@') + 1);
        StringJoiner list = new StringJoiner(",");
        for (String host : hosts.split(",")) {
            if (host.isBlank()) {
                return null;
            }
            list.add(host.indexOf(':') < 0 ? host + ":" + DatabaseType.POSTGRESQL.defaultPort() : host);
        }
        return list.toString();
    }

    private static void addQuery(DatabaseConfig.Builder builder, String query) {
        for (String pair : query.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String key = decodeForm(eq < 0 ? pair : pair.substring(0, eq));
            String value = eq < 0 ? "" : decodeForm(pair.substring(eq + 1));
            switch (key) {
                case "user" -> builder.username(value);
                case "password" -> builder.password(Secret.of(value));
                default -> builder.property(key, value);
            }
        }
    }

    private static DatabaseConfig.Builder sqlite(String rest, String setting, String url) {
        // SQLAlchemy: sqlite:///relative.db and sqlite:////absolute.db; JDBC: sqlite:path
        String path = rest;
        if (path.startsWith("///")) {
            path = path.substring(3);
        } else if (path.startsWith("//")) {
            path = path.substring(2);
        }
        String query = null;
        int mark = path.indexOf('?');
        if (mark >= 0) {
            query = path.substring(mark + 1);
            path = path.substring(0, mark);
        }
        if (path.isBlank()) {
            throw new InvalidConfigException(setting, url, "names no SQLite file");
        }
        DatabaseConfig.Builder builder = DatabaseConfig.builder(DatabaseType.SQLITE).database(path);
        if (query != null) {
            addQuery(builder, query);
        }
        return builder;
    }

    /** Query strings are form-encoded: '+' is a space there. */
    private static String decodeForm(String text) {
        return URLDecoder.decode(text, StandardCharsets.UTF_8);
    }

    /** User info and paths are percent-encoded only: '+' stays '+'. */
    private static String decode(String text) {
        return URLDecoder.decode(text.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    /**
     * @param url a URL that may hold a password
     * @return the URL with the password (everything between {@code //user:} and the last {@code @}, and any
     *     {@code password=} parameter) replaced by {@code ****}
     */
    public static String redact(String url) {
        String text = url.replaceAll("(?i)(password=)[^&]*", "$1****");
        int scheme = text.indexOf("//");
        int at = text.lastIndexOf('@');
        if (scheme >= 0 && at > scheme) {
            int colon = text.indexOf(':', scheme + 2);
            if (colon >= 0 && colon < at) {
                text = text.substring(0, colon + 1) + "****" + text.substring(at);
            }
        }
        return text;
    }

    /**
     * @param env the environment
     * @return the config the environment describes
     */
    public static DatabaseConfig fromEnv(Map<String, String> env) {
        Env vars = new Env(env);
        String url = vars.get("URL");
        DatabaseConfig.Builder builder;
        if (url != null) {
            builder = parse(url, vars.setting("URL"));
        } else {
            String type = vars.get("TYPE");
            if (type == null) {
                throw new InvalidConfigException("weft.db.url (DATABASE_URL)", null,
                        "set DATABASE_URL, or DATABASE_TYPE with DATABASE_HOST, DATABASE_NAME, ...");
            }
            builder = DatabaseConfig.builder(DatabaseType.parse(vars.setting("TYPE"), type));
            String host = vars.get("HOST");
            if (host != null) {
                builder.host(host);
            }
            String port = vars.get("PORT");
            if (port != null) {
                builder.port(Checks.parseInt(vars.setting("PORT"), port));
            }
            String name = vars.get("NAME");
            if (name != null) {
                builder.database(name);
            }
            String user = vars.get("USER");
            if (user != null) {
                builder.username(user);
            }
        }
        String password = vars.get("PASSWORD");
        if (password != null) {
            builder.password(Secret.of(password));
        }
        DatabaseConfig base = builder.build();
        // Read every pool value first, then build once: the checks relate several of them.
        PoolConfig defaults = base.pool();
        String value;
        int size = (value = vars.get("POOL_SIZE")) != null ? Checks.parseInt(vars.setting("POOL_SIZE"), value)
                : defaults.size();
        int overflow = (value = vars.get("MAX_OVERFLOW")) != null
                ? Checks.parseInt(vars.setting("MAX_OVERFLOW"), value) : defaults.maxOverflow();
        Duration timeout = (value = vars.get("POOL_TIMEOUT")) != null
                ? Checks.parseSeconds(vars.setting("POOL_TIMEOUT"), value) : defaults.acquireTimeout();
        Duration recycle = (value = vars.get("POOL_RECYCLE")) != null
                ? Checks.parseSeconds(vars.setting("POOL_RECYCLE"), value) : defaults.recycle();
        Duration idle = (value = vars.get("POOL_IDLE_TIMEOUT")) != null
                ? Checks.parseSeconds(vars.setting("POOL_IDLE_TIMEOUT"), value) : defaults.idleTimeout();
        boolean prePing = (value = vars.get("POOL_PRE_PING")) != null
                ? Checks.parseBoolean(vars.setting("POOL_PRE_PING"), value) : defaults.prePing();
        int maxWaiting = (value = vars.get("POOL_MAX_WAITING")) != null
                ? Checks.parseInt(vars.setting("POOL_MAX_WAITING"), value) : defaults.maxWaiting();
        Duration leakDetection = (value = vars.get("POOL_LEAK_DETECTION")) != null
                ? Checks.parseSeconds(vars.setting("POOL_LEAK_DETECTION"), value) : defaults.leakDetection();
        PoolConfig pool = new PoolConfig(size, overflow, timeout, recycle, prePing, idle, maxWaiting, leakDetection);
        builder.pool(pool);
        if ((value = vars.get("STATEMENT_TIMEOUT")) != null) {
            builder.statementTimeout(Checks.parseSeconds(vars.setting("STATEMENT_TIMEOUT"), value));
        }
        if ((value = vars.get("CONNECT_TIMEOUT")) != null) {
            builder.connectTimeout(Checks.parseSeconds(vars.setting("CONNECT_TIMEOUT"), value));
        }
        RetryConfig retry = base.retry();
        if ((value = vars.get("MAX_RETRIES")) != null) {
            retry = retry.withMaxRetries(Checks.parseInt(vars.setting("MAX_RETRIES"), value));
        }
        if ((value = vars.get("RETRY_DELAY")) != null) {
            Duration delay = Checks.parseSeconds(vars.setting("RETRY_DELAY"), value);
            retry = new RetryConfig(retry.maxRetries(), delay, retry.multiplier(),
                    delay.compareTo(retry.maxDelay()) > 0 ? delay : retry.maxDelay());
        }
        builder.retry(retry);
        if ((value = vars.get("SLOW_QUERY_THRESHOLD")) != null) {
            builder.slowQueryThreshold(Checks.parseSeconds(vars.setting("SLOW_QUERY_THRESHOLD"), value));
        }
        KeyBatchingConfig batching = base.keyBatching();
        if ((value = vars.get("KEY_BATCHING")) != null) {
            batching = batching.withEnabled(Checks.parseBoolean(vars.setting("KEY_BATCHING"), value));
        }
        if ((value = vars.get("KEY_BATCH_SIZE")) != null) {
            batching = batching.withMaxBatchSize(Checks.parseInt(vars.setting("KEY_BATCH_SIZE"), value));
        }
        if ((value = vars.get("KEY_BATCHES_IN_FLIGHT")) != null) {
            batching = batching.withMaxInFlight(Checks.parseInt(vars.setting("KEY_BATCHES_IN_FLIGHT"), value));
        }
        builder.keyBatching(batching);
        if ((value = vars.get("INSTANCE_NAME")) != null) {
            builder.name(value);
        }
        return builder.build();
    }

    /** Looks a key up as {@code WEFT_DB_<KEY>} first, then as the guides' {@code DATABASE_<KEY>}. */
    private record Env(Map<String, String> env) {
        @Nullable String get(String key) {
            String value = env.get("WEFT_DB_" + key);
            if (value == null || value.isEmpty()) {
                value = env.get("DATABASE_" + key);
            }
            return value == null || value.isEmpty() ? null : value;
        }

        String setting(String key) {
            String name = env.containsKey("WEFT_DB_" + key) ? "WEFT_DB_" + key : "DATABASE_" + key;
            String canonical = switch (key) {
                case "POOL_SIZE" -> "pool.size";
                case "MAX_OVERFLOW" -> "pool.max-overflow";
                case "POOL_TIMEOUT" -> "pool.timeout";
                case "POOL_RECYCLE" -> "pool.recycle";
                case "POOL_PRE_PING" -> "pool.pre-ping";
                case "POOL_IDLE_TIMEOUT" -> "pool.idle-timeout";
                case "POOL_MAX_WAITING" -> "pool.max-waiting";
                case "POOL_LEAK_DETECTION" -> "pool.leak-detection";
                case "MAX_RETRIES" -> "retry.max-retries";
                case "RETRY_DELAY" -> "retry.delay";
                case "KEY_BATCH_SIZE" -> "key-batching.max-batch-size";
                case "KEY_BATCHES_IN_FLIGHT" -> "key-batching.max-in-flight";
                default -> key.toLowerCase(Locale.ROOT).replace('_', '-');
            };
            return "weft.db." + canonical + " (" + name + ")";
        }
    }
}
