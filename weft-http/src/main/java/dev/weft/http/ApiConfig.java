package dev.weft.http;

import dev.weft.core.InstanceName;
import dev.weft.core.InvalidConfigException;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Settings of one {@link ApiClient}: the guides' {@code APIConfig}, setting for setting, plus the few a production
 * client needs on top (retry budget, bulkhead, allowed hosts, body limits), composed of one part per concern:
 * {@link TimeoutConfig timeouts}, {@link RetryConfig retry}, {@link BreakerConfig breaker},
 * {@link RateLimitConfig rate limit}, {@link PoolConfig pool}, {@link TlsConfig TLS}, {@link AuthConfig auth} and
 * {@link ResponseCacheConfig response cache}.
 *
 * <p>Build one with {@link #builder(String)} (every setting flat, as the guides name them), read one with
 * {@link #fromEnv(String, Map)}, or derive one with the {@code with*} methods. Every value is checked when its
 * record is built; a bad value throws {@link InvalidConfigException} naming the setting
 * ({@code weft.http.<name>.<setting>}) and the value, never a secret. Tokens are {@link dev.weft.core.Secret}s,
 * so {@link #toString()} cannot print them. Immutable and thread-safe.
 *
 * @param name the client's name, used in logs, metric tags and messages ({@code "provider"})
 * @param baseUrl absolute {@code http} or {@code https} URL every relative path is resolved against
 * @param timeouts connect, response and total timeouts
 * @param retry retries, backoff and the per-host retry budget
 * @param breaker the per-host circuit breaker
 * @param rateLimit the per-host rate limit
 * @param pool the connection pool and the per-host bulkhead
 * @param tls certificate verification and trust store
 * @param auth the bearer token and API key sent to the base URL's host
 * @param cache the GET response cache
 * @param compression whether gzip/deflate responses are asked for and decoded
 * @param defaultHeaders headers sent with every request (credentials among them only to the base URL's host)
 * @param userAgent the {@code User-Agent} header
 * @param allowedHosts hosts ({@code host} or {@code host:port}) that absolute URLs may name besides the base URL's
 * @param maxResponseBytes largest body read into memory; larger bodies must be streamed or downloaded
 * @param anyHost whether absolute URLs may name any host (a webhook sender); needs an {@code addressPolicy} other
 *     than {@link AddressPolicy#allowAll()}, or the client would relay requests into the private network. Each host
 *     still gets its own breaker, rate limit, bulkhead and retry budget, and credentials still go only to the base
 *     URL's host; no meter names a host only this admits ({@code host="{host}"})
 * @param addressPolicy which addresses connections may go to, checked on the addresses actually connected to
 */
public record ApiConfig(
        String name,
        URI baseUrl,
        TimeoutConfig timeouts,
        RetryConfig retry,
        BreakerConfig breaker,
        RateLimitConfig rateLimit,
        PoolConfig pool,
        TlsConfig tls,
        AuthConfig auth,
        ResponseCacheConfig cache,
        boolean compression,
        Map<String, String> defaultHeaders,
        String userAgent,
        Set<String> allowedHosts,
        long maxResponseBytes,
        boolean anyHost,
        AddressPolicy addressPolicy) {

    /** Default client name. */
    public static final String DEFAULT_NAME = "api";
    /** Default user agent. */
    public static final String DEFAULT_USER_AGENT = "weft-http/0.1";
    /** Default largest in-memory response body: 16 MiB. */
    public static final long DEFAULT_MAX_RESPONSE_BYTES = 16L << 20;

    private static final Pattern HOST =
            Pattern.compile("[A-Za-z0-9.-]{1,253}(:[0-9]{1,5})?|\\[[0-9A-Fa-f:.]+](:[0-9]{1,5})?");

    /**
     * Checks every value the parts do not check themselves; see the class description.
     *
     * @throws InvalidConfigException naming the first bad setting
     */
    public ApiConfig {
        checkName(name);
        String prefix = "weft.http." + name + ".";
        Objects.requireNonNull(baseUrl, "baseUrl");
        checkBaseUrl(prefix + "base-url", baseUrl);
        Objects.requireNonNull(timeouts, "timeouts");
        Objects.requireNonNull(retry, "retry");
        Objects.requireNonNull(breaker, "breaker");
        Objects.requireNonNull(rateLimit, "rateLimit");
        Objects.requireNonNull(pool, "pool");
        Objects.requireNonNull(tls, "tls");
        Objects.requireNonNull(auth, "auth");
        Objects.requireNonNull(cache, "cache");
        defaultHeaders = Map.copyOf(Objects.requireNonNull(defaultHeaders, "defaultHeaders"));
        defaultHeaders.forEach((header, value) -> {
            if (!Headers.validName(header)) {
                throw new InvalidConfigException(prefix + "default-headers", header, "must be a header name");
            }
            if (!Headers.validValue(value)) {
                throw new InvalidConfigException(prefix + "default-headers." + header, "<value>",
                        "must not contain control characters or characters beyond ISO-8859-1");
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
        Objects.requireNonNull(addressPolicy, "addressPolicy");
        if (anyHost && addressPolicy == AddressPolicy.allowAll()) {
            throw new InvalidConfigException(prefix + "any-host", true,
                    "needs an address policy: any host without one would reach the private network");
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
    public static ApiConfigBuilder builder(String baseUrl) {
        return new ApiConfigBuilder(parseUrl("weft.http.base-url", baseUrl));
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
        return ApiConfigEnv.read(name, env);
    }

    /**
     * A builder holding this config's values, to derive a changed copy.
     *
     * @return a builder
     */
    public ApiConfigBuilder toBuilder() {
        return new ApiConfigBuilder(this);
    }

    /**
     * This config with another name.
     *
     * @param value the name
     * @return the changed copy
     * @throws InvalidConfigException if the name is not lowercase letters, digits and dashes
     */
    public ApiConfig withName(String value) {
        return new ApiConfig(value, baseUrl, timeouts, retry, breaker, rateLimit, pool, tls, auth, cache,
                compression, defaultHeaders, userAgent, allowedHosts, maxResponseBytes, anyHost, addressPolicy);
    }

    /**
     * This config with other timeouts.
     *
     * @param value the timeouts
     * @return the changed copy
     */
    public ApiConfig withTimeouts(TimeoutConfig value) {
        return new ApiConfig(name, baseUrl, value, retry, breaker, rateLimit, pool, tls, auth, cache, compression,
                defaultHeaders, userAgent, allowedHosts, maxResponseBytes, anyHost, addressPolicy);
    }

    /**
     * This config with another retry policy and budget.
     *
     * @param value the retry settings
     * @return the changed copy
     */
    public ApiConfig withRetry(RetryConfig value) {
        return new ApiConfig(name, baseUrl, timeouts, value, breaker, rateLimit, pool, tls, auth, cache, compression,
                defaultHeaders, userAgent, allowedHosts, maxResponseBytes, anyHost, addressPolicy);
    }

    /**
     * This config with another breaker.
     *
     * @param value the breaker settings
     * @return the changed copy
     */
    public ApiConfig withBreaker(BreakerConfig value) {
        return new ApiConfig(name, baseUrl, timeouts, retry, value, rateLimit, pool, tls, auth, cache, compression,
                defaultHeaders, userAgent, allowedHosts, maxResponseBytes, anyHost, addressPolicy);
    }

    /**
     * This config with another rate limit.
     *
     * @param value the rate-limit settings
     * @return the changed copy
     */
    public ApiConfig withRateLimit(RateLimitConfig value) {
        return new ApiConfig(name, baseUrl, timeouts, retry, breaker, value, pool, tls, auth, cache, compression,
                defaultHeaders, userAgent, allowedHosts, maxResponseBytes, anyHost, addressPolicy);
    }

    /**
     * This config with another pool and bulkhead.
     *
     * @param value the pool settings
     * @return the changed copy
     */
    public ApiConfig withPool(PoolConfig value) {
        return new ApiConfig(name, baseUrl, timeouts, retry, breaker, rateLimit, value, tls, auth, cache, compression,
                defaultHeaders, userAgent, allowedHosts, maxResponseBytes, anyHost, addressPolicy);
    }

    /**
     * This config with other TLS settings.
     *
     * @param value the TLS settings
     * @return the changed copy
     */
    public ApiConfig withTls(TlsConfig value) {
        return new ApiConfig(name, baseUrl, timeouts, retry, breaker, rateLimit, pool, value, auth, cache, compression,
                defaultHeaders, userAgent, allowedHosts, maxResponseBytes, anyHost, addressPolicy);
    }

    /**
     * This config with other credentials.
     *
     * @param value the credentials
     * @return the changed copy
     */
    public ApiConfig withAuth(AuthConfig value) {
        return new ApiConfig(name, baseUrl, timeouts, retry, breaker, rateLimit, pool, tls, value, cache, compression,
                defaultHeaders, userAgent, allowedHosts, maxResponseBytes, anyHost, addressPolicy);
    }

    /**
     * This config with another response cache setting.
     *
     * @param value the cache settings
     * @return the changed copy
     */
    public ApiConfig withCache(ResponseCacheConfig value) {
        return new ApiConfig(name, baseUrl, timeouts, retry, breaker, rateLimit, pool, tls, auth, value, compression,
                defaultHeaders, userAgent, allowedHosts, maxResponseBytes, anyHost, addressPolicy);
    }

    /**
     * This config with another address policy.
     *
     * @param value the policy
     * @return the changed copy
     * @throws InvalidConfigException if {@code anyHost} is on and the policy allows all
     */
    public ApiConfig withAddressPolicy(AddressPolicy value) {
        return new ApiConfig(name, baseUrl, timeouts, retry, breaker, rateLimit, pool, tls, auth, cache, compression,
                defaultHeaders, userAgent, allowedHosts, maxResponseBytes, anyHost, value);
    }

    /**
     * The base URL's {@code host:port}, with the scheme's default port filled in.
     *
     * @return the authority the client talks to by default
     */
    public String baseAuthority() {
        return Hosts.authority(baseUrl);
    }

    /**
     * A one-line summary for the start-up log; prints no secret.
     *
     * @return the summary
     */
    @Override
    public String toString() {
        return "ApiConfig[name=" + name + ", baseUrl=" + baseUrl + ", maxRetries=" + retry.maxRetries()
                + ", maxConnections=" + pool.maxConnections() + "/" + pool.maxConnectionsPerHost() + " per host"
                + ", rateLimit=" + (rateLimit.enabled() ? rateLimit.perSecond() + "/s" : "off")
                + ", breaker=" + (breaker.enabled() ? breaker.threshold() + " calls in " + breaker.window() + " at "
                        + breaker.failureRate() + "%, open " + breaker.openTime() : "off")
                + ", cache=" + (cache.enabled() ? cache.ttl() : "off") + ", verifyTls=" + tls.verify()
                + (anyHost ? ", anyHost=true" : "")
                + (addressPolicy == AddressPolicy.allowAll() ? "" : ", addressPolicy=on")
                + ", bearerToken=" + auth.bearerToken() + ", apiKey=" + auth.apiKey() + "]";
    }

    /** Refuses a client name that would not fit a setting name, a metric tag or an env variable. */
    static void checkName(String name) {
        InstanceName.check("weft.http.name", name);
    }

    static URI parseUrl(String setting, String text) {
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
}
