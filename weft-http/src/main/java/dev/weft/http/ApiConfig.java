package dev.weft.http;

import dev.weft.core.Checks;
import dev.weft.core.InvalidConfigException;
import dev.weft.core.Secret;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Settings of one {@link ApiClient}: the guides' {@code APIConfig}, field for field, plus the few that a
 * production client needs on top (retry budget, bulkhead, allowed hosts, body limits).
 *
 * <p>Every value is checked when the record is built; a bad value throws {@link InvalidConfigException} naming
 * the setting ({@code weft.http.<name>.<setting>}) and the value, never a secret. Tokens are {@link Secret}s, so
 * {@link #toString()} cannot print them. Immutable and thread-safe.
 *
 * @param name the client's name, used in logs, metric tags and messages ({@code "provider"})
 * @param baseUrl absolute {@code http} or {@code https} URL every relative path is resolved against
 * @param connectTimeout time allowed to open a TCP (and TLS) connection
 * @param responseTimeout time allowed between bytes of a response (socket read timeout)
 * @param totalTimeout deadline of one call, all attempts and backoff included
 * @param maxRetries retries after the first attempt (0 turns retry off)
 * @param retryDelay base delay of the exponential backoff
 * @param backoffFactor growth of the backoff cap per attempt (the delay is drawn at random up to the cap)
 * @param maxRetryDelay cap of one backoff delay, and of a server's {@code Retry-After}
 * @param retryBudget share of calls per host that may be retried in a sliding window of ten seconds
 * @param retryFloorPerSecond retries per second per host always allowed, so a quiet client can still retry
 * @param maxConnections connections in the pool across hosts
 * @param maxConnectionsPerHost connections in the pool per host
 * @param maxConcurrentPerHost calls in flight per host (bulkhead); callers beyond it wait in a FIFO line
 * @param verifyTls whether server certificates and host names are verified
 * @param trustStore a PKCS12 or JKS trust store replacing the JDK's, or {@code null}
 * @param trustStorePassword password of the trust store (empty when none)
 * @param compression whether gzip/deflate responses are asked for and decoded
 * @param keepAlive whether connections are reused
 * @param idleEviction idle time after which a pooled connection is closed
 * @param cacheEnabled whether GET responses are cached (Cache-Control and ETag honoured)
 * @param cacheTtl freshness of a cached response when the server sends no {@code max-age}
 * @param rateLimitEnabled whether calls per host are rate limited
 * @param rateLimit calls per second per host
 * @param rateLimitWait longest time a caller waits for a rate-limit permit before {@link RateLimitedException}
 * @param breakerEnabled whether a circuit breaker guards each host
 * @param breakerThreshold calls the breaker needs to see in its window before it may open (minimum calls)
 * @param breakerWindow the breaker's sliding time window: failure and slow-call rates are over the calls of this
 *     last stretch of time (whole seconds)
 * @param breakerFailureRate failure share (percent) of the window that opens the breaker
 * @param breakerSlowCall duration above which a call counts as slow
 * @param breakerSlowCallRate slow share (percent) of the window that opens the breaker
 * @param breakerOpenTime time the breaker stays open before it lets probes through
 * @param bearerToken token sent as {@code Authorization: Bearer}, or empty
 * @param apiKey key sent in {@link #apiKeyHeader()}, or empty
 * @param apiKeyHeader header carrying the API key
 * @param defaultHeaders headers sent with every request
 * @param userAgent the {@code User-Agent} header
 * @param allowedHosts hosts ({@code host} or {@code host:port}) that absolute URLs may name besides the base URL's
 * @param maxResponseBytes largest body read into memory; larger bodies must be streamed or downloaded
 */
public record ApiConfig(
        String name,
        URI baseUrl,
        Duration connectTimeout,
        Duration responseTimeout,
        Duration totalTimeout,
        int maxRetries,
        Duration retryDelay,
        double backoffFactor,
        Duration maxRetryDelay,
        double retryBudget,
        int retryFloorPerSecond,
        int maxConnections,
        int maxConnectionsPerHost,
        int maxConcurrentPerHost,
        boolean verifyTls,
        @Nullable Path trustStore,
        Secret trustStorePassword,
        boolean compression,
        boolean keepAlive,
        Duration idleEviction,
        boolean cacheEnabled,
        Duration cacheTtl,
        boolean rateLimitEnabled,
        int rateLimit,
        Duration rateLimitWait,
        boolean breakerEnabled,
        int breakerThreshold,
        Duration breakerWindow,
        int breakerFailureRate,
        Duration breakerSlowCall,
        int breakerSlowCallRate,
        Duration breakerOpenTime,
        Secret bearerToken,
        Secret apiKey,
        String apiKeyHeader,
        Map<String, String> defaultHeaders,
        String userAgent,
        Set<String> allowedHosts,
        long maxResponseBytes) {

    /** Default client name. */
    public static final String DEFAULT_NAME = "api";
    /** Default connect timeout (the guides' {@code connection_timeout}). */
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);
    /** Default response (read) timeout (the guides' {@code timeout}). */
    public static final Duration DEFAULT_RESPONSE_TIMEOUT = Duration.ofSeconds(30);
    /** Default deadline of a call, retries included. */
    public static final Duration DEFAULT_TOTAL_TIMEOUT = Duration.ofSeconds(60);
    /** Default retries after the first attempt. */
    public static final int DEFAULT_MAX_RETRIES = 3;
    /** Default base backoff delay. */
    public static final Duration DEFAULT_RETRY_DELAY = Duration.ofSeconds(1);
    /** Default backoff factor. */
    public static final double DEFAULT_BACKOFF_FACTOR = 2.0;
    /** Default cap of one backoff delay and of Retry-After. */
    public static final Duration DEFAULT_MAX_RETRY_DELAY = Duration.ofSeconds(30);
    /** Default retry budget: retries may be at most this share of calls. */
    public static final double DEFAULT_RETRY_BUDGET = 0.2;
    /** Default floor of retries per second per host. */
    public static final int DEFAULT_RETRY_FLOOR_PER_SECOND = 1;
    /** Default pool size across hosts. */
    public static final int DEFAULT_MAX_CONNECTIONS = 100;
    /** Default pool size per host. */
    public static final int DEFAULT_MAX_CONNECTIONS_PER_HOST = 10;
    /** Default idle eviction. */
    public static final Duration DEFAULT_IDLE_EVICTION = Duration.ofSeconds(30);
    /** Default freshness of cached responses (the guides' {@code cache_ttl}). */
    public static final Duration DEFAULT_CACHE_TTL = Duration.ofSeconds(300);
    /** Default rate limit per host, calls per second. */
    public static final int DEFAULT_RATE_LIMIT = 100;
    /** Default longest wait for a rate-limit permit. */
    public static final Duration DEFAULT_RATE_LIMIT_WAIT = Duration.ofSeconds(5);
    /**
     * Default breaker threshold: calls in the window before the breaker may open. 20, not the guides' 5: with 5,
     * a provider failing 30% of calls opens the breaker one window in six by chance alone (3 of 5), and a job
     * pipeline then stalls on a provider that mostly works. 20 calls at a 50% rate open it by chance about once in
     * 20 windows at 30% faults, and at once on an outage (every call fails).
     */
    public static final int DEFAULT_BREAKER_THRESHOLD = 20;
    /** Default breaker window: the last 10 seconds of calls, so old failures age out even when traffic is low. */
    public static final Duration DEFAULT_BREAKER_WINDOW = Duration.ofSeconds(10);
    /** The guides' breaker threshold ({@code circuit_breaker_threshold: 5}), see {@link Builder#guidesBreaker()}. */
    public static final int GUIDES_BREAKER_THRESHOLD = 5;
    /** The guides' open time ({@code circuit_breaker_timeout: 60}), kept as {@link Builder#guidesBreaker()}. */
    public static final Duration GUIDES_BREAKER_OPEN_TIME = Duration.ofSeconds(60);
    /** Default failure rate, in percent, that opens the breaker. */
    public static final int DEFAULT_BREAKER_FAILURE_RATE = 50;
    /** Default slow-call duration. */
    public static final Duration DEFAULT_BREAKER_SLOW_CALL = Duration.ofSeconds(10);
    /** Default slow-call rate, in percent, that opens the breaker: most calls slow means the upstream is sick. */
    public static final int DEFAULT_BREAKER_SLOW_CALL_RATE = 80;
    /**
     * Default open time: 5 s, not the guides' 60 s. Half-open probes (3 calls) test the upstream after it, so a
     * recovered upstream is used again within seconds, and a still-broken one costs 3 calls per 5 s.
     */
    public static final Duration DEFAULT_BREAKER_OPEN_TIME = Duration.ofSeconds(5);
    /** Default API key header. */
    public static final String DEFAULT_API_KEY_HEADER = "X-API-Key";
    /** Default user agent. */
    public static final String DEFAULT_USER_AGENT = "weft-http/0.1";
    /** Default largest in-memory response body: 16 MiB. */
    public static final long DEFAULT_MAX_RESPONSE_BYTES = 16L << 20;

    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9-]{0,62}");
    private static final Pattern HEADER_NAME = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]{1,128}");
    private static final Pattern HOST = Pattern.compile("[A-Za-z0-9.-]{1,253}(:[0-9]{1,5})?|\\[[0-9A-Fa-f:.]+](:[0-9]{1,5})?");

    /** Checks every value; see the class description. */
    public ApiConfig {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new InvalidConfigException("weft.http.name", name, "must match " + NAME.pattern());
        }
        String prefix = "weft.http." + name + ".";
        Objects.requireNonNull(baseUrl, "baseUrl");
        checkBaseUrl(prefix + "base-url", baseUrl);
        Checks.atLeast(prefix + "connect-timeout", connectTimeout, Duration.ofMillis(1));
        Checks.atLeast(prefix + "response-timeout", responseTimeout, Duration.ofMillis(1));
        Checks.atLeast(prefix + "total-timeout", totalTimeout, Duration.ofMillis(1));
        Checks.between(prefix + "max-retries", maxRetries, 0, 100);
        Checks.atLeast(prefix + "retry-delay", retryDelay, Duration.ZERO);
        Checks.between(prefix + "backoff-factor", backoffFactor, 1.0, 100.0);
        Checks.atLeast(prefix + "max-retry-delay", maxRetryDelay, retryDelay);
        Checks.between(prefix + "retry-budget", retryBudget, 0.0, 10.0);
        Checks.between(prefix + "retry-floor-per-second", retryFloorPerSecond, 0, 1_000_000);
        Checks.between(prefix + "max-connections", maxConnections, 1, 100_000);
        Checks.between(prefix + "max-connections-per-host", maxConnectionsPerHost, 1, maxConnections);
        Checks.between(prefix + "max-concurrent-per-host", maxConcurrentPerHost, 1, 1_000_000);
        Objects.requireNonNull(trustStorePassword, "trustStorePassword");
        if (trustStore != null && !verifyTls) {
            throw new InvalidConfigException(prefix + "trust-store", trustStore, "cannot be set when verify-tls is false");
        }
        Checks.atLeast(prefix + "idle-eviction", idleEviction, Duration.ofMillis(1));
        Checks.atLeast(prefix + "cache-ttl", cacheTtl, Duration.ofSeconds(1));
        Checks.between(prefix + "rate-limit", rateLimit, 1, 10_000_000);
        Checks.atLeast(prefix + "rate-limit-wait", rateLimitWait, Duration.ZERO);
        Checks.between(prefix + "breaker-threshold", breakerThreshold, 1, 10_000);
        Checks.atLeast(prefix + "breaker-window", breakerWindow, Duration.ofSeconds(1));
        if (breakerWindow.toMillis() % 1000 != 0 || breakerWindow.compareTo(Duration.ofHours(1)) > 0) {
            throw new InvalidConfigException(prefix + "breaker-window", breakerWindow,
                    "must be whole seconds, 1 s..1 h");
        }
        Checks.between(prefix + "breaker-failure-rate", breakerFailureRate, 1, 100);
        Checks.atLeast(prefix + "breaker-slow-call", breakerSlowCall, Duration.ofMillis(1));
        Checks.between(prefix + "breaker-slow-call-rate", breakerSlowCallRate, 1, 100);
        Checks.atLeast(prefix + "breaker-open-time", breakerOpenTime, Duration.ofMillis(1));
        Objects.requireNonNull(bearerToken, "bearerToken");
        Objects.requireNonNull(apiKey, "apiKey");
        if (apiKeyHeader == null || !HEADER_NAME.matcher(apiKeyHeader).matches()) {
            throw new InvalidConfigException(prefix + "api-key-header", apiKeyHeader, "must be a header name");
        }
        defaultHeaders = Map.copyOf(Objects.requireNonNull(defaultHeaders, "defaultHeaders"));
        defaultHeaders.forEach((header, value) -> {
            if (!HEADER_NAME.matcher(header).matches()) {
                throw new InvalidConfigException(prefix + "default-headers", header, "must be a header name");
            }
            if (!Headers.validValue(value)) {
                throw new InvalidConfigException(prefix + "default-headers." + header, "<value>",
                        "must not contain control characters");
            }
        });
        if (userAgent == null || userAgent.isBlank() || !Headers.validValue(userAgent)) {
            throw new InvalidConfigException(prefix + "user-agent", userAgent, "must be a non-blank header value");
        }
        allowedHosts = Set.copyOf(Objects.requireNonNull(allowedHosts, "allowedHosts"));
        for (String host : allowedHosts) {
            if (!HOST.matcher(host).matches()) {
                throw new InvalidConfigException(prefix + "allowed-hosts", host, "must be host or host:port");
            }
        }
        if (maxResponseBytes < 1024) {
            throw new InvalidConfigException(prefix + "max-response-bytes", maxResponseBytes, "must be >= 1024");
        }
    }

    /**
     * A config with every default and the given base URL.
     *
     * @param baseUrl absolute http(s) URL
     * @return the config
     * @throws InvalidConfigException if the URL is not absolute http(s)
     */
    public static ApiConfig of(String baseUrl) {
        return builder(baseUrl).build();
    }

    /**
     * A builder with every default.
     *
     * @param baseUrl absolute http(s) URL
     * @return a builder
     * @throws InvalidConfigException if the URL is not valid
     */
    public static Builder builder(String baseUrl) {
        return new Builder(parseUrl("weft.http.base-url", baseUrl));
    }

    /**
     * Reads a config from environment variables named {@code WEFT_HTTP_<NAME>_<SETTING>}, e.g. for name
     * {@code provider}: {@code WEFT_HTTP_PROVIDER_BASE_URL} (required), {@code _CONNECT_TIMEOUT},
     * {@code _RESPONSE_TIMEOUT}, {@code _TOTAL_TIMEOUT}, {@code _RETRY_DELAY}, {@code _MAX_RETRY_DELAY},
     * {@code _CACHE_TTL}, {@code _BREAKER_OPEN_TIME}, {@code _RATE_LIMIT_WAIT} (seconds or ISO-8601),
     * {@code _MAX_RETRIES}, {@code _BACKOFF_FACTOR}, {@code _RETRY_BUDGET}, {@code _MAX_CONNECTIONS},
     * {@code _MAX_CONNECTIONS_PER_HOST}, {@code _MAX_CONCURRENT_PER_HOST}, {@code _VERIFY_TLS},
     * {@code _TRUST_STORE}, {@code _TRUST_STORE_PASSWORD}, {@code _COMPRESSION}, {@code _KEEP_ALIVE},
     * {@code _CACHE}, {@code _RATE_LIMIT}, {@code _BREAKER_THRESHOLD}, {@code _BREAKER_WINDOW},
     * {@code _BREAKER_FAILURE_RATE}, {@code _BREAKER_SLOW_CALL}, {@code _BREAKER_SLOW_CALL_RATE},
     * {@code _BREAKER_PRESET} ({@code guides}: the guides' 5 calls and 60 s, set before the other breaker
     * variables apply), {@code _BEARER_TOKEN}, {@code _API_KEY},
     * {@code _API_KEY_HEADER}, {@code _USER_AGENT}, {@code _ALLOWED_HOSTS} (comma-separated). Unset variables keep
     * their defaults.
     *
     * @param name the client name (lowercase), also the variables' infix
     * @param env the variables, usually {@code System.getenv()}
     * @return the config
     * @throws InvalidConfigException naming the variable on a missing base URL or a bad value
     */
    public static ApiConfig fromEnv(String name, Map<String, String> env) {
        Objects.requireNonNull(env, "env");
        String prefix = "WEFT_HTTP_" + name.toUpperCase(Locale.ROOT).replace('-', '_') + "_";
        EnvReader vars = new EnvReader(prefix, env);
        Builder builder = new Builder(parseUrl(prefix + "BASE_URL", Checks.required(prefix + "BASE_URL",
                env.get(prefix + "BASE_URL")))).name(name);
        vars.seconds("CONNECT_TIMEOUT", builder::connectTimeout);
        vars.seconds("RESPONSE_TIMEOUT", builder::responseTimeout);
        vars.seconds("TOTAL_TIMEOUT", builder::totalTimeout);
        vars.integer("MAX_RETRIES", builder::maxRetries);
        vars.seconds("RETRY_DELAY", builder::retryDelay);
        vars.decimal("BACKOFF_FACTOR", builder::backoffFactor);
        vars.seconds("MAX_RETRY_DELAY", builder::maxRetryDelay);
        vars.decimal("RETRY_BUDGET", builder::retryBudget);
        vars.integer("MAX_CONNECTIONS", builder::maxConnections);
        vars.integer("MAX_CONNECTIONS_PER_HOST", builder::maxConnectionsPerHost);
        vars.integer("MAX_CONCURRENT_PER_HOST", builder::maxConcurrentPerHost);
        vars.bool("VERIFY_TLS", builder::verifyTls);
        vars.text("TRUST_STORE", value -> builder.trustStore(Path.of(value)));
        vars.text("TRUST_STORE_PASSWORD", value -> builder.trustStorePassword(Secret.of(value)));
        vars.bool("COMPRESSION", builder::compression);
        vars.bool("KEEP_ALIVE", builder::keepAlive);
        vars.bool("CACHE", builder::cacheEnabled);
        vars.seconds("CACHE_TTL", builder::cacheTtl);
        vars.integer("RATE_LIMIT", builder::rateLimit);
        vars.seconds("RATE_LIMIT_WAIT", builder::rateLimitWait);
        vars.text("BREAKER_PRESET", value -> {
            if (!value.equalsIgnoreCase("guides")) {
                throw new InvalidConfigException(prefix + "BREAKER_PRESET", value, "must be 'guides'");
            }
            builder.guidesBreaker();
        });
        vars.integer("BREAKER_THRESHOLD", builder::breakerThreshold);
        vars.seconds("BREAKER_WINDOW", builder::breakerWindow);
        vars.integer("BREAKER_FAILURE_RATE", builder::breakerFailureRate);
        vars.seconds("BREAKER_SLOW_CALL", builder::breakerSlowCall);
        vars.integer("BREAKER_SLOW_CALL_RATE", builder::breakerSlowCallRate);
        vars.seconds("BREAKER_OPEN_TIME", builder::breakerOpenTime);
        vars.text("BEARER_TOKEN", value -> builder.bearerToken(Secret.of(value)));
        vars.text("API_KEY", value -> builder.apiKey(Secret.of(value)));
        vars.text("API_KEY_HEADER", builder::apiKeyHeader);
        vars.text("USER_AGENT", builder::userAgent);
        vars.text("ALLOWED_HOSTS", value -> builder.allowedHosts(Set.of(
                java.util.Arrays.stream(value.split(",")).map(String::trim).filter(s -> !s.isEmpty())
                        .toArray(String[]::new))));
        return builder.build();
    }

    /**
     * A builder holding this config's values, to derive a changed copy.
     *
     * @return a builder
     */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /**
     * This config with another name.
     *
     * @param value the name
     * @return the changed copy
     */
    public ApiConfig withName(String value) {
        return toBuilder().name(value).build();
    }

    /**
     * The base URL's {@code host:port}, with the scheme's default port filled in.
     *
     * @return the authority the client talks to by default
     */
    public String baseAuthority() {
        return Hosts.authority(baseUrl);
    }


    @Override
    public String toString() {
        return "ApiConfig[name=" + name + ", baseUrl=" + baseUrl + ", maxRetries=" + maxRetries
                + ", maxConnections=" + maxConnections + "/" + maxConnectionsPerHost + " per host"
                + ", rateLimit=" + (rateLimitEnabled ? rateLimit + "/s" : "off")
                + ", breaker=" + (breakerEnabled ? breakerThreshold + " calls in " + breakerWindow + " at "
                        + breakerFailureRate + "%, open " + breakerOpenTime : "off")
                + ", cache=" + (cacheEnabled ? cacheTtl : "off") + ", verifyTls=" + verifyTls
                + ", bearerToken=" + bearerToken + ", apiKey=" + apiKey + "]";
    }

    private static URI parseUrl(String setting, String text) {
        Objects.requireNonNull(text, setting);
        try {
            URI uri = new URI(text.trim());
            checkBaseUrl(setting, uri);
            return uri;
        } catch (URISyntaxException e) {
            throw new InvalidConfigException(setting, text, "must be an absolute http or https URL", e);
        }
    }

    private static void checkBaseUrl(String setting, URI uri) {
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!uri.isAbsolute() || !(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null
                || uri.getHost().isEmpty()) {
            throw new InvalidConfigException(setting, uri, "must be an absolute http or https URL with a host");
        }
        if (uri.getRawQuery() != null || uri.getRawFragment() != null || uri.getRawUserInfo() != null) {
            throw new InvalidConfigException(setting, uri.getHost(), "must not carry a query, fragment or user info");
        }
    }

    /** Reads optional, prefixed environment variables into a builder, naming the variable on a bad value. */
    private record EnvReader(String prefix, Map<String, String> env) {
        void text(String key, java.util.function.Consumer<String> target) {
            String value = env.get(prefix + key);
            if (value != null && !value.isBlank()) {
                target.accept(value.trim());
            }
        }

        void seconds(String key, java.util.function.Consumer<Duration> target) {
            text(key, value -> target.accept(Checks.parseSeconds(prefix + key, value)));
        }

        void integer(String key, java.util.function.IntConsumer target) {
            text(key, value -> target.accept(Checks.parseInt(prefix + key, value)));
        }

        void bool(String key, java.util.function.Consumer<Boolean> target) {
            text(key, value -> target.accept(Checks.parseBoolean(prefix + key, value)));
        }

        void decimal(String key, java.util.function.DoubleConsumer target) {
            text(key, value -> {
                try {
                    target.accept(Double.parseDouble(value));
                } catch (NumberFormatException e) {
                    throw new InvalidConfigException(prefix + key, value, "must be a number", e);
                }
            });
        }
    }

    /**
     * Builds an {@link ApiConfig}; {@link #build()} checks every value. Not thread-safe.
     */
    public static final class Builder {
        private String name = DEFAULT_NAME;
        private URI baseUrl;
        private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
        private Duration responseTimeout = DEFAULT_RESPONSE_TIMEOUT;
        private Duration totalTimeout = DEFAULT_TOTAL_TIMEOUT;
        private int maxRetries = DEFAULT_MAX_RETRIES;
        private Duration retryDelay = DEFAULT_RETRY_DELAY;
        private double backoffFactor = DEFAULT_BACKOFF_FACTOR;
        private Duration maxRetryDelay = DEFAULT_MAX_RETRY_DELAY;
        private double retryBudget = DEFAULT_RETRY_BUDGET;
        private int retryFloorPerSecond = DEFAULT_RETRY_FLOOR_PER_SECOND;
        private int maxConnections = DEFAULT_MAX_CONNECTIONS;
        private int maxConnectionsPerHost = DEFAULT_MAX_CONNECTIONS_PER_HOST;
        private int maxConcurrentPerHost = -1;
        private boolean verifyTls = true;
        private @Nullable Path trustStore;
        private Secret trustStorePassword = Secret.empty();
        private boolean compression = true;
        private boolean keepAlive = true;
        private Duration idleEviction = DEFAULT_IDLE_EVICTION;
        private boolean cacheEnabled;
        private Duration cacheTtl = DEFAULT_CACHE_TTL;
        private boolean rateLimitEnabled = true;
        private int rateLimit = DEFAULT_RATE_LIMIT;
        private Duration rateLimitWait = DEFAULT_RATE_LIMIT_WAIT;
        private boolean breakerEnabled = true;
        private int breakerThreshold = DEFAULT_BREAKER_THRESHOLD;
        private Duration breakerWindow = DEFAULT_BREAKER_WINDOW;
        private int breakerFailureRate = DEFAULT_BREAKER_FAILURE_RATE;
        private Duration breakerSlowCall = DEFAULT_BREAKER_SLOW_CALL;
        private int breakerSlowCallRate = DEFAULT_BREAKER_SLOW_CALL_RATE;
        private Duration breakerOpenTime = DEFAULT_BREAKER_OPEN_TIME;
        private Secret bearerToken = Secret.empty();
        private Secret apiKey = Secret.empty();
        private String apiKeyHeader = DEFAULT_API_KEY_HEADER;
        private Map<String, String> defaultHeaders = new LinkedHashMap<>();
        private String userAgent = DEFAULT_USER_AGENT;
        private Set<String> allowedHosts = Set.of();
        private long maxResponseBytes = DEFAULT_MAX_RESPONSE_BYTES;

        private Builder(URI baseUrl) {
            this.baseUrl = baseUrl;
        }

        private Builder(ApiConfig config) {
            name = config.name;
            baseUrl = config.baseUrl;
            connectTimeout = config.connectTimeout;
            responseTimeout = config.responseTimeout;
            totalTimeout = config.totalTimeout;
            maxRetries = config.maxRetries;
            retryDelay = config.retryDelay;
            backoffFactor = config.backoffFactor;
            maxRetryDelay = config.maxRetryDelay;
            retryBudget = config.retryBudget;
            retryFloorPerSecond = config.retryFloorPerSecond;
            maxConnections = config.maxConnections;
            maxConnectionsPerHost = config.maxConnectionsPerHost;
            maxConcurrentPerHost = config.maxConcurrentPerHost;
            verifyTls = config.verifyTls;
            trustStore = config.trustStore;
            trustStorePassword = config.trustStorePassword;
            compression = config.compression;
            keepAlive = config.keepAlive;
            idleEviction = config.idleEviction;
            cacheEnabled = config.cacheEnabled;
            cacheTtl = config.cacheTtl;
            rateLimitEnabled = config.rateLimitEnabled;
            rateLimit = config.rateLimit;
            rateLimitWait = config.rateLimitWait;
            breakerEnabled = config.breakerEnabled;
            breakerThreshold = config.breakerThreshold;
            breakerWindow = config.breakerWindow;
            breakerFailureRate = config.breakerFailureRate;
            breakerSlowCall = config.breakerSlowCall;
            breakerSlowCallRate = config.breakerSlowCallRate;
            breakerOpenTime = config.breakerOpenTime;
            bearerToken = config.bearerToken;
            apiKey = config.apiKey;
            apiKeyHeader = config.apiKeyHeader;
            defaultHeaders = new LinkedHashMap<>(config.defaultHeaders);
            userAgent = config.userAgent;
            allowedHosts = config.allowedHosts;
            maxResponseBytes = config.maxResponseBytes;
        }

        /**
         * Sets the client name.
         *
         * @param value the client name
         * @return this builder
         */
        public Builder name(String value) {
            name = value;
            return this;
        }

        /**
         * Sets absolute http(s) base URL.
         *
         * @param value absolute http(s) base URL
         * @return this builder
         */
        public Builder baseUrl(String value) {
            baseUrl = parseUrl("weft.http.base-url", value);
            return this;
        }

        /**
         * Sets connect timeout.
         *
         * @param value connect timeout
         * @return this builder
         */
        public Builder connectTimeout(Duration value) {
            connectTimeout = value;
            return this;
        }

        /**
         * Sets response (read) timeout.
         *
         * @param value response (read) timeout
         * @return this builder
         */
        public Builder responseTimeout(Duration value) {
            responseTimeout = value;
            return this;
        }

        /**
         * Sets deadline of a call, retries included.
         *
         * @param value deadline of a call, retries included
         * @return this builder
         */
        public Builder totalTimeout(Duration value) {
            totalTimeout = value;
            return this;
        }

        /**
         * Sets retries after the first attempt.
         *
         * @param value retries after the first attempt
         * @return this builder
         */
        public Builder maxRetries(int value) {
            maxRetries = value;
            return this;
        }

        /**
         * Sets base backoff delay.
         *
         * @param value base backoff delay
         * @return this builder
         */
        public Builder retryDelay(Duration value) {
            retryDelay = value;
            return this;
        }

        /**
         * Sets backoff factor, at least 1.
         *
         * @param value backoff factor, at least 1
         * @return this builder
         */
        public Builder backoffFactor(double value) {
            backoffFactor = value;
            return this;
        }

        /**
         * Sets cap of one delay and of Retry-After.
         *
         * @param value cap of one delay and of Retry-After
         * @return this builder
         */
        public Builder maxRetryDelay(Duration value) {
            maxRetryDelay = value;
            return this;
        }

        /**
         * Sets share of calls that may be retried (0.2 = 20 %).
         *
         * @param value share of calls that may be retried (0.2 = 20 %)
         * @return this builder
         */
        public Builder retryBudget(double value) {
            retryBudget = value;
            return this;
        }

        /**
         * Sets retries per second always allowed per host.
         *
         * @param value retries per second always allowed per host
         * @return this builder
         */
        public Builder retryFloorPerSecond(int value) {
            retryFloorPerSecond = value;
            return this;
        }

        /**
         * Sets pool size across hosts.
         *
         * @param value pool size across hosts
         * @return this builder
         */
        public Builder maxConnections(int value) {
            maxConnections = value;
            return this;
        }

        /**
         * Sets pool size per host.
         *
         * @param value pool size per host
         * @return this builder
         */
        public Builder maxConnectionsPerHost(int value) {
            maxConnectionsPerHost = value;
            return this;
        }

        /**
         * Calls in flight per host; defaults to {@link #maxConnectionsPerHost(int)}, so callers wait in the
         * bulkhead's fair line rather than in the pool's.
         *
         * @param value the bulkhead size
         * @return this builder
         */
        public Builder maxConcurrentPerHost(int value) {
            maxConcurrentPerHost = value;
            return this;
        }

        /**
         * Sets whether certificates are verified.
         *
         * @param value whether certificates are verified
         * @return this builder
         */
        public Builder verifyTls(boolean value) {
            verifyTls = value;
            return this;
        }

        /**
         * Sets trust store file (PKCS12 or JKS).
         *
         * @param value trust store file (PKCS12 or JKS)
         * @return this builder
         */
        public Builder trustStore(Path value) {
            trustStore = value;
            return this;
        }

        /**
         * Sets trust store password.
         *
         * @param value trust store password
         * @return this builder
         */
        public Builder trustStorePassword(Secret value) {
            trustStorePassword = value;
            return this;
        }

        /**
         * Sets whether compressed responses are asked for.
         *
         * @param value whether compressed responses are asked for
         * @return this builder
         */
        public Builder compression(boolean value) {
            compression = value;
            return this;
        }

        /**
         * Sets whether connections are reused.
         *
         * @param value whether connections are reused
         * @return this builder
         */
        public Builder keepAlive(boolean value) {
            keepAlive = value;
            return this;
        }

        /**
         * Sets idle time before a pooled connection is closed.
         *
         * @param value idle time before a pooled connection is closed
         * @return this builder
         */
        public Builder idleEviction(Duration value) {
            idleEviction = value;
            return this;
        }

        /**
         * Sets whether GET responses are cached.
         *
         * @param value whether GET responses are cached
         * @return this builder
         */
        public Builder cacheEnabled(boolean value) {
            cacheEnabled = value;
            return this;
        }

        /**
         * Sets freshness when the server sends no max-age.
         *
         * @param value freshness when the server sends no max-age
         * @return this builder
         */
        public Builder cacheTtl(Duration value) {
            cacheTtl = value;
            return this;
        }

        /**
         * Sets whether calls are rate limited.
         *
         * @param value whether calls are rate limited
         * @return this builder
         */
        public Builder rateLimitEnabled(boolean value) {
            rateLimitEnabled = value;
            return this;
        }

        /**
         * Sets calls per second per host.
         *
         * @param value calls per second per host
         * @return this builder
         */
        public Builder rateLimit(int value) {
            rateLimit = value;
            return this;
        }

        /**
         * Sets longest wait for a permit.
         *
         * @param value longest wait for a permit
         * @return this builder
         */
        public Builder rateLimitWait(Duration value) {
            rateLimitWait = value;
            return this;
        }

        /**
         * Sets whether a breaker guards each host.
         *
         * @param value whether a breaker guards each host
         * @return this builder
         */
        public Builder breakerEnabled(boolean value) {
            breakerEnabled = value;
            return this;
        }

        /**
         * Sets calls seen before the breaker may open.
         *
         * @param value calls seen before the breaker may open
         * @return this builder
         */
        public Builder breakerThreshold(int value) {
            breakerThreshold = value;
            return this;
        }

        /**
         * Sets the breaker's sliding time window (whole seconds).
         *
         * @param value the window
         * @return this builder
         */
        public Builder breakerWindow(Duration value) {
            breakerWindow = value;
            return this;
        }

        /**
         * The guides' breaker ({@code circuit_breaker_threshold: 5}, {@code circuit_breaker_timeout: 60}): opens
         * after 5 calls, stays open 60 s. Fit for an interactive caller that would rather fail fast; a job pipeline
         * stalls on it (see {@link #DEFAULT_BREAKER_THRESHOLD}).
         *
         * @return this builder
         */
        public Builder guidesBreaker() {
            breakerThreshold = GUIDES_BREAKER_THRESHOLD;
            breakerOpenTime = GUIDES_BREAKER_OPEN_TIME;
            return this;
        }

        /**
         * Sets failure percentage that opens the breaker.
         *
         * @param value failure percentage that opens the breaker
         * @return this builder
         */
        public Builder breakerFailureRate(int value) {
            breakerFailureRate = value;
            return this;
        }

        /**
         * Sets duration above which a call is slow.
         *
         * @param value duration above which a call is slow
         * @return this builder
         */
        public Builder breakerSlowCall(Duration value) {
            breakerSlowCall = value;
            return this;
        }

        /**
         * Sets slow-call percentage that opens the breaker.
         *
         * @param value slow-call percentage that opens the breaker
         * @return this builder
         */
        public Builder breakerSlowCallRate(int value) {
            breakerSlowCallRate = value;
            return this;
        }

        /**
         * Sets time the breaker stays open.
         *
         * @param value time the breaker stays open
         * @return this builder
         */
        public Builder breakerOpenTime(Duration value) {
            breakerOpenTime = value;
            return this;
        }

        /**
         * Sets bearer token.
         *
         * @param value bearer token
         * @return this builder
         */
        public Builder bearerToken(Secret value) {
            bearerToken = value;
            return this;
        }

        /**
         * Sets API key.
         *
         * @param value API key
         * @return this builder
         */
        public Builder apiKey(Secret value) {
            apiKey = value;
            return this;
        }

        /**
         * Sets header carrying the API key.
         *
         * @param value header carrying the API key
         * @return this builder
         */
        public Builder apiKeyHeader(String value) {
            apiKeyHeader = value;
            return this;
        }

        /**
         * Adds a header sent with every request.
         *
         * @param header the name
         * @param value the value
         * @return this builder
         */
        public Builder defaultHeader(String header, String value) {
            defaultHeaders.put(header, value);
            return this;
        }

        /**
         * Sets the User-Agent.
         *
         * @param value the User-Agent
         * @return this builder
         */
        public Builder userAgent(String value) {
            userAgent = value;
            return this;
        }

        /**
         * Sets hosts absolute URLs may name besides the base URL's.
         *
         * @param value hosts absolute URLs may name besides the base URL's
         * @return this builder
         */
        public Builder allowedHosts(Set<String> value) {
            allowedHosts = value;
            return this;
        }

        /**
         * Sets largest body read into memory.
         *
         * @param value largest body read into memory
         * @return this builder
         */
        public Builder maxResponseBytes(long value) {
            maxResponseBytes = value;
            return this;
        }

        /**
         * Builds and checks the config.
         *
         * @return the config
         * @throws InvalidConfigException naming the first bad setting
         */
        public ApiConfig build() {
            return new ApiConfig(name, baseUrl, connectTimeout, responseTimeout, totalTimeout, maxRetries, retryDelay,
                    backoffFactor, maxRetryDelay, retryBudget, retryFloorPerSecond, maxConnections,
                    maxConnectionsPerHost, maxConcurrentPerHost < 0 ? maxConnectionsPerHost : maxConcurrentPerHost,
                    verifyTls, trustStore, trustStorePassword, compression, keepAlive, idleEviction, cacheEnabled,
                    cacheTtl, rateLimitEnabled, rateLimit, rateLimitWait, breakerEnabled, breakerThreshold,
                    breakerWindow, breakerFailureRate, breakerSlowCall, breakerSlowCallRate, breakerOpenTime, bearerToken, apiKey,
                    apiKeyHeader, defaultHeaders, userAgent, allowedHosts, maxResponseBytes);
        }
    }
}
