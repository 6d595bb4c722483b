package dev.weft.http;

import dev.weft.core.InvalidConfigException;
import dev.weft.core.Secret;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Builds an {@link ApiConfig} from flat settings, named as the guides name them; {@link #build()} assembles the
 * parts ({@link TimeoutConfig}, {@link RetryConfig}, ...) and checks every value, naming a bad one
 * {@code weft.http.<name>.<setting>}. Values are only checked there, so settings that depend on each other
 * (a retry delay and its cap, a pool and its per-host share) may be set in any order. Not thread-safe.
 */
public final class ApiConfigBuilder {
    private String name = ApiConfig.DEFAULT_NAME;
    private URI baseUrl;
    private Duration connectTimeout = TimeoutConfig.DEFAULT_CONNECT;
    private Duration responseTimeout = TimeoutConfig.DEFAULT_RESPONSE;
    private Duration totalTimeout = TimeoutConfig.DEFAULT_TOTAL;
    private int maxRetries = RetryConfig.DEFAULT_MAX_RETRIES;
    private Duration retryDelay = RetryConfig.DEFAULT_DELAY;
    private double backoffFactor = RetryConfig.DEFAULT_BACKOFF_FACTOR;
    private Duration maxRetryDelay = RetryConfig.DEFAULT_MAX_DELAY;
    private double retryBudget = RetryConfig.DEFAULT_BUDGET;
    private int retryFloorPerSecond = RetryConfig.DEFAULT_FLOOR_PER_SECOND;
    private int maxConnections = PoolConfig.DEFAULT_MAX_CONNECTIONS;
    private int maxConnectionsPerHost = PoolConfig.DEFAULT_MAX_CONNECTIONS_PER_HOST;
    /** Negative until set: the bulkhead then follows {@link #maxConnectionsPerHost}. */
    private int maxConcurrentPerHost = -1;
    private boolean verifyTls = true;
    private @Nullable Path trustStore;
    private Secret trustStorePassword = Secret.empty();
    private boolean compression = true;
    private boolean keepAlive = true;
    private Duration idleEviction = PoolConfig.DEFAULT_IDLE_EVICTION;
    private boolean cacheEnabled;
    private Duration cacheTtl = ResponseCacheConfig.DEFAULT_TTL;
    private boolean rateLimitEnabled = true;
    private int rateLimit = RateLimitConfig.DEFAULT_PER_SECOND;
    private Duration rateLimitWait = RateLimitConfig.DEFAULT_MAX_WAIT;
    private boolean breakerEnabled = true;
    private int breakerThreshold = BreakerConfig.DEFAULT_THRESHOLD;
    private Duration breakerWindow = BreakerConfig.DEFAULT_WINDOW;
    private int breakerFailureRate = BreakerConfig.DEFAULT_FAILURE_RATE;
    private Duration breakerSlowCall = BreakerConfig.DEFAULT_SLOW_CALL;
    private int breakerSlowCallRate = BreakerConfig.DEFAULT_SLOW_CALL_RATE;
    private Duration breakerOpenTime = BreakerConfig.DEFAULT_OPEN_TIME;
    private boolean breakerCountsStatuses = true;
    private Secret bearerToken = Secret.empty();
    private Secret apiKey = Secret.empty();
    private String apiKeyHeader = AuthConfig.DEFAULT_API_KEY_HEADER;
    private Map<String, String> defaultHeaders = new LinkedHashMap<>();
    private String userAgent = ApiConfig.DEFAULT_USER_AGENT;
    private Set<String> allowedHosts = Set.of();
    private long maxResponseBytes = ApiConfig.DEFAULT_MAX_RESPONSE_BYTES;
    private boolean anyHost;
    private AddressPolicy addressPolicy = AddressPolicy.allowAll();

    ApiConfigBuilder(URI baseUrl) {
        this.baseUrl = baseUrl;
    }

    ApiConfigBuilder(ApiConfig config) {
        name = config.name();
        baseUrl = config.baseUrl();
        connectTimeout = config.timeouts().connect();
        responseTimeout = config.timeouts().response();
        totalTimeout = config.timeouts().total();
        maxRetries = config.retry().maxRetries();
        retryDelay = config.retry().delay();
        backoffFactor = config.retry().backoffFactor();
        maxRetryDelay = config.retry().maxDelay();
        retryBudget = config.retry().budget();
        retryFloorPerSecond = config.retry().floorPerSecond();
        maxConnections = config.pool().maxConnections();
        maxConnectionsPerHost = config.pool().maxConnectionsPerHost();
        maxConcurrentPerHost = config.pool().maxConcurrentPerHost();
        keepAlive = config.pool().keepAlive();
        idleEviction = config.pool().idleEviction();
        verifyTls = config.tls().verify();
        trustStore = config.tls().trustStore();
        trustStorePassword = config.tls().trustStorePassword();
        compression = config.compression();
        cacheEnabled = config.cache().enabled();
        cacheTtl = config.cache().ttl();
        rateLimitEnabled = config.rateLimit().enabled();
        rateLimit = config.rateLimit().perSecond();
        rateLimitWait = config.rateLimit().maxWait();
        breakerEnabled = config.breaker().enabled();
        breakerThreshold = config.breaker().threshold();
        breakerWindow = config.breaker().window();
        breakerFailureRate = config.breaker().failureRate();
        breakerSlowCall = config.breaker().slowCall();
        breakerSlowCallRate = config.breaker().slowCallRate();
        breakerOpenTime = config.breaker().openTime();
        breakerCountsStatuses = config.breaker().countsStatuses();
        bearerToken = config.auth().bearerToken();
        apiKey = config.auth().apiKey();
        apiKeyHeader = config.auth().apiKeyHeader();
        defaultHeaders = new LinkedHashMap<>(config.defaultHeaders());
        userAgent = config.userAgent();
        allowedHosts = config.allowedHosts();
        maxResponseBytes = config.maxResponseBytes();
        anyHost = config.anyHost();
        addressPolicy = config.addressPolicy();
    }

    /**
     * Sets the client name.
     *
     * @param value the client name
     * @return this builder
     */
    public ApiConfigBuilder name(String value) {
        name = value;
        return this;
    }

    /**
     * Sets absolute http(s) base URL.
     *
     * @param value absolute http(s) base URL
     * @return this builder
     */
    public ApiConfigBuilder baseUrl(String value) {
        baseUrl = ApiConfig.parseUrl("weft.http.base-url", value);
        return this;
    }

    /**
     * Sets connect timeout.
     *
     * @param value connect timeout
     * @return this builder
     */
    public ApiConfigBuilder connectTimeout(Duration value) {
        connectTimeout = value;
        return this;
    }

    /**
     * Sets response (read) timeout.
     *
     * @param value response (read) timeout
     * @return this builder
     */
    public ApiConfigBuilder responseTimeout(Duration value) {
        responseTimeout = value;
        return this;
    }

    /**
     * Sets deadline of a call, retries included.
     *
     * @param value deadline of a call, retries included
     * @return this builder
     */
    public ApiConfigBuilder totalTimeout(Duration value) {
        totalTimeout = value;
        return this;
    }

    /**
     * Sets retries after the first attempt.
     *
     * @param value retries after the first attempt
     * @return this builder
     */
    public ApiConfigBuilder maxRetries(int value) {
        maxRetries = value;
        return this;
    }

    /**
     * Sets base backoff delay.
     *
     * @param value base backoff delay
     * @return this builder
     */
    public ApiConfigBuilder retryDelay(Duration value) {
        retryDelay = value;
        return this;
    }

    /**
     * Sets backoff factor, at least 1.
     *
     * @param value backoff factor, at least 1
     * @return this builder
     */
    public ApiConfigBuilder backoffFactor(double value) {
        backoffFactor = value;
        return this;
    }

    /**
     * Sets the cap of one backoff delay, and the longest {@code Retry-After} a retry waits for. A 429 or 503 whose
     * {@code Retry-After} is longer, or ends past the call's deadline, is not retried: the call fails at once with
     * {@link RateLimitedException} (429) or {@link UpstreamException} (503), whose {@code retryAfter()} is the
     * server's wait, so the caller can decide whether to wait that long.
     *
     * @param value cap of one delay and the longest Retry-After waited for
     * @return this builder
     */
    public ApiConfigBuilder maxRetryDelay(Duration value) {
        maxRetryDelay = value;
        return this;
    }

    /**
     * Sets share of calls that may be retried (0.2 = 20 %).
     *
     * @param value share of calls that may be retried (0.2 = 20 %)
     * @return this builder
     */
    public ApiConfigBuilder retryBudget(double value) {
        retryBudget = value;
        return this;
    }

    /**
     * Sets retries per second always allowed per host.
     *
     * @param value retries per second always allowed per host
     * @return this builder
     */
    public ApiConfigBuilder retryFloorPerSecond(int value) {
        retryFloorPerSecond = value;
        return this;
    }

    /**
     * Sets pool size across hosts.
     *
     * @param value pool size across hosts
     * @return this builder
     */
    public ApiConfigBuilder maxConnections(int value) {
        maxConnections = value;
        return this;
    }

    /**
     * Sets pool size per host.
     *
     * @param value pool size per host
     * @return this builder
     */
    public ApiConfigBuilder maxConnectionsPerHost(int value) {
        maxConnectionsPerHost = value;
        return this;
    }

    /**
     * Calls in flight per host; defaults to {@link #maxConnectionsPerHost(int)}, so callers wait in the
     * bulkhead's fair line rather than in the pool's. A caller waits at most until its call's deadline (its
     * {@link ApiRequest#timeout} or the total timeout), then gets a {@link BulkheadFullException}, a timeout. An open
     * {@link ApiStream} holds its place until closed.
     *
     * @param value the bulkhead size
     * @return this builder
     */
    public ApiConfigBuilder maxConcurrentPerHost(int value) {
        maxConcurrentPerHost = value;
        return this;
    }

    /**
     * Sets whether certificates are verified.
     *
     * @param value whether certificates are verified
     * @return this builder
     */
    public ApiConfigBuilder verifyTls(boolean value) {
        verifyTls = value;
        return this;
    }

    /**
     * Sets trust store file (PKCS12 or JKS).
     *
     * @param value trust store file (PKCS12 or JKS)
     * @return this builder
     */
    public ApiConfigBuilder trustStore(Path value) {
        trustStore = value;
        return this;
    }

    /**
     * Sets trust store password.
     *
     * @param value trust store password
     * @return this builder
     */
    public ApiConfigBuilder trustStorePassword(Secret value) {
        trustStorePassword = value;
        return this;
    }

    /**
     * Sets whether compressed responses are asked for.
     *
     * @param value whether compressed responses are asked for
     * @return this builder
     */
    public ApiConfigBuilder compression(boolean value) {
        compression = value;
        return this;
    }

    /**
     * Sets whether connections are reused.
     *
     * @param value whether connections are reused
     * @return this builder
     */
    public ApiConfigBuilder keepAlive(boolean value) {
        keepAlive = value;
        return this;
    }

    /**
     * Sets idle time before a pooled connection is closed.
     *
     * @param value idle time before a pooled connection is closed
     * @return this builder
     */
    public ApiConfigBuilder idleEviction(Duration value) {
        idleEviction = value;
        return this;
    }

    /**
     * Sets whether GET 200 responses are cached. The cache may be shared by instances (Redis), so it acts as a shared
     * cache: a request with credentials ({@code Authorization}, {@code Proxy-Authorization}, {@code Cookie}, the API
     * key header, or the client's own token or key) gets entries of its own, keyed by a SHA-256 digest of them (never
     * the values), so authenticated calls are cached per credential and never served to another; responses marked
     * {@code no-store}, {@code private} or {@code Vary: *} are not stored, and one with {@code Vary} is served only to
     * requests with the same values of the varied headers.
     *
     * @param value whether GET responses are cached
     * @return this builder
     */
    public ApiConfigBuilder cacheEnabled(boolean value) {
        cacheEnabled = value;
        return this;
    }

    /**
     * Sets how long a cached 200 is served without asking the server when the response has no {@code s-maxage} or
     * {@code max-age}, e.g. one without {@code Cache-Control}; a response that has one is fresh for that long instead.
     *
     * @param value freshness when the server sends no s-maxage or max-age
     * @return this builder
     */
    public ApiConfigBuilder cacheTtl(Duration value) {
        cacheTtl = value;
        return this;
    }

    /**
     * Sets whether calls are rate limited.
     *
     * @param value whether calls are rate limited
     * @return this builder
     */
    public ApiConfigBuilder rateLimitEnabled(boolean value) {
        rateLimitEnabled = value;
        return this;
    }

    /**
     * Sets calls per second per host.
     *
     * @param value calls per second per host
     * @return this builder
     */
    public ApiConfigBuilder rateLimit(int value) {
        rateLimit = value;
        return this;
    }

    /**
     * Sets longest wait for a permit.
     *
     * @param value longest wait for a permit
     * @return this builder
     */
    public ApiConfigBuilder rateLimitWait(Duration value) {
        rateLimitWait = value;
        return this;
    }

    /**
     * Sets whether a breaker guards each host. Without one, the client registers no {@code weft.http.breaker.state}
     * gauge.
     *
     * @param value whether a breaker guards each host
     * @return this builder
     */
    public ApiConfigBuilder breakerEnabled(boolean value) {
        breakerEnabled = value;
        return this;
    }

    /**
     * Sets calls seen before the breaker may open.
     *
     * @param value calls seen before the breaker may open
     * @return this builder
     */
    public ApiConfigBuilder breakerThreshold(int value) {
        breakerThreshold = value;
        return this;
    }

    /**
     * Sets the breaker's sliding time window (whole seconds).
     *
     * @param value the window
     * @return this builder
     */
    public ApiConfigBuilder breakerWindow(Duration value) {
        breakerWindow = value;
        return this;
    }

    /**
     * The guides' breaker ({@code circuit_breaker_threshold: 5}, {@code circuit_breaker_timeout: 60}): opens
     * after 5 calls, stays open 60 s. Fit for an interactive caller that would rather fail fast; a job pipeline
     * stalls on it (see {@link BreakerConfig#DEFAULT_THRESHOLD}).
     *
     * @return this builder
     */
    public ApiConfigBuilder guidesBreaker() {
        breakerThreshold = BreakerConfig.GUIDES_THRESHOLD;
        breakerOpenTime = BreakerConfig.GUIDES_OPEN_TIME;
        return this;
    }

    /**
     * Sets failure percentage that opens the breaker.
     *
     * @param value failure percentage that opens the breaker
     * @return this builder
     */
    public ApiConfigBuilder breakerFailureRate(int value) {
        breakerFailureRate = value;
        return this;
    }

    /**
     * Sets duration above which a call is slow.
     *
     * @param value duration above which a call is slow
     * @return this builder
     */
    public ApiConfigBuilder breakerSlowCall(Duration value) {
        breakerSlowCall = value;
        return this;
    }

    /**
     * Sets slow-call percentage that opens the breaker.
     *
     * @param value slow-call percentage that opens the breaker
     * @return this builder
     */
    public ApiConfigBuilder breakerSlowCallRate(int value) {
        breakerSlowCallRate = value;
        return this;
    }

    /**
     * Sets time the breaker stays open.
     *
     * @param value time the breaker stays open
     * @return this builder
     */
    public ApiConfigBuilder breakerOpenTime(Duration value) {
        breakerOpenTime = value;
        return this;
    }

    /**
     * Sets whether a 5xx answer counts as a breaker failure (default {@code true}). {@code false} suits a client
     * whose hosts serve many parties (webhook receivers): only attempts that got no answer (connection failures,
     * timeouts) then say the host is down.
     *
     * @param value whether 5xx answers count as failures
     * @return this builder
     */
    public ApiConfigBuilder breakerCountsStatuses(boolean value) {
        breakerCountsStatuses = value;
        return this;
    }

    /**
     * Sets bearer token.
     *
     * @param value bearer token
     * @return this builder
     */
    public ApiConfigBuilder bearerToken(Secret value) {
        bearerToken = value;
        return this;
    }

    /**
     * Sets API key.
     *
     * @param value API key
     * @return this builder
     */
    public ApiConfigBuilder apiKey(Secret value) {
        apiKey = value;
        return this;
    }

    /**
     * Sets header carrying the API key.
     *
     * @param value header carrying the API key
     * @return this builder
     */
    public ApiConfigBuilder apiKeyHeader(String value) {
        apiKeyHeader = value;
        return this;
    }

    /**
     * Adds a header sent with every request; credentials ({@code Authorization}, {@code Proxy-Authorization},
     * {@code Cookie}, the API key header) only with requests to the base URL's host, as the auth settings are.
     *
     * @param header the name
     * @param value the value
     * @return this builder
     */
    public ApiConfigBuilder defaultHeader(String header, String value) {
        defaultHeaders.put(header, value);
        return this;
    }

    /**
     * Sets the User-Agent.
     *
     * @param value the User-Agent
     * @return this builder
     */
    public ApiConfigBuilder userAgent(String value) {
        userAgent = value;
        return this;
    }

    /**
     * Sets hosts absolute URLs may name besides the base URL's.
     *
     * @param value hosts absolute URLs may name besides the base URL's
     * @return this builder
     */
    public ApiConfigBuilder allowedHosts(Set<String> value) {
        allowedHosts = value;
        return this;
    }

    /**
     * Sets largest body read into memory.
     *
     * @param value largest body read into memory
     * @return this builder
     */
    public ApiConfigBuilder maxResponseBytes(long value) {
        maxResponseBytes = value;
        return this;
    }

    /**
     * Lets absolute URLs name any host (a webhook sender), each with its own breaker, bulkhead and budget; needs an
     * {@link #addressPolicy(AddressPolicy)}, checked in {@link #build()}. Such a host is data, not configuration: no
     * meter names it ({@code http.client.requests} tags it {@code host="{host}"}, and it has no
     * {@code weft.http.breaker.state} gauge), since meters may be public and the hosts would be unbounded.
     *
     * @param value whether any host is allowed
     * @return this builder
     */
    public ApiConfigBuilder allowAnyHost(boolean value) {
        anyHost = value;
        return this;
    }

    /**
     * Sets which addresses connections may go to (see {@link AddressPolicy}); default: all.
     *
     * @param value the policy
     * @return this builder
     */
    public ApiConfigBuilder addressPolicy(AddressPolicy value) {
        addressPolicy = java.util.Objects.requireNonNull(value, "addressPolicy");
        return this;
    }

    /**
     * Builds and checks the config.
     *
     * @return the config
     * @throws InvalidConfigException naming the first bad setting
     */
    public ApiConfig build() {
        ApiConfig.checkName(name);
        // parts built inside the scope name a bad value weft.http.<name>.<setting>
        return ScopedValue.where(SettingNames.CLIENT, name).call(() -> new ApiConfig(name, baseUrl,
                new TimeoutConfig(connectTimeout, responseTimeout, totalTimeout),
                new RetryConfig(maxRetries, retryDelay, backoffFactor, maxRetryDelay, retryBudget,
                        retryFloorPerSecond),
                new BreakerConfig(breakerEnabled, breakerThreshold, breakerWindow, breakerFailureRate,
                        breakerSlowCall, breakerSlowCallRate, breakerOpenTime, breakerCountsStatuses),
                new RateLimitConfig(rateLimitEnabled, rateLimit, rateLimitWait),
                new PoolConfig(maxConnections, maxConnectionsPerHost,
                        maxConcurrentPerHost < 0 ? maxConnectionsPerHost : maxConcurrentPerHost, keepAlive,
                        idleEviction),
                new TlsConfig(verifyTls, trustStore, trustStorePassword),
                new AuthConfig(bearerToken, apiKey, apiKeyHeader),
                new ResponseCacheConfig(cacheEnabled, cacheTtl),
                compression, defaultHeaders, userAgent, allowedHosts, maxResponseBytes, anyHost, addressPolicy));
    }
}
