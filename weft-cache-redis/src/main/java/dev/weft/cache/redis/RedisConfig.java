package dev.weft.cache.redis;

import dev.weft.core.Checks;
import dev.weft.core.InvalidConfigException;
import dev.weft.core.Secret;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * How to reach Redis and how the caches on it behave.
 *
 * @param url {@code redis://[[user]:password@]host[:port][/database]}, {@code rediss://...} (TLS) or
 *     {@code redis-sentinel://[password@]host[:port][,host2[:port2]][/database]#master}; held as a {@link Secret}
 *     because it may carry the password ({@code weft.cache.redis.url}, alias {@code REDIS_URL})
 * @param namespace the first part of every key, {@code <namespace>:<cache>:<key>} ({@code weft.cache.namespace})
 * @param commandTimeout the longest one Redis round trip may take before the call counts as failed; short, because
 *     a cache call that waits on a hung Redis costs more than the miss it would save (loopback round trips take
 *     well under a millisecond); the cursor walks of {@code clear} and {@code invalidateTags} get at least 1 s
 * @param connectTimeout the longest a connection attempt may take
 * @param breakerOpenTime how long the circuit breaker stays open after Redis failed, before probing it again
 * @param leaseTime how long a cross-instance load lease lasts; the loader renews it while it runs
 * @param loadWait the longest a getOrLoad caller waits, in all, for another caller's load of the same key (in this JVM
 *     or on another instance) before loading itself
 * @param invalidationWait the longest a tiered cache's invalidation keeps retrying, while Redis looks reachable,
 *     before its call returns without Redis having taken it (and other instances may then serve the old value
 *     until this instance fences, see docs/ARCHITECTURE.md); every attempt is bounded by the command timeout, so a
 *     call may last this plus one command timeout; zero: one attempt
 */
public record RedisConfig(Secret url, String namespace, Duration commandTimeout, Duration connectTimeout,
        Duration breakerOpenTime, Duration leaseTime, Duration loadWait, Duration invalidationWait) {
    /** Default {@link #namespace()}. */
    public static final String DEFAULT_NAMESPACE = "weft";
    /** Default {@link #commandTimeout()}. */
    public static final Duration DEFAULT_COMMAND_TIMEOUT = Duration.ofMillis(100);
    /** Default {@link #connectTimeout()}. */
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(2);
    /** Default {@link #breakerOpenTime()}. */
    public static final Duration DEFAULT_BREAKER_OPEN_TIME = Duration.ofSeconds(5);
    /** Default {@link #leaseTime()}. */
    public static final Duration DEFAULT_LEASE_TIME = Duration.ofSeconds(10);
    /** Default {@link #loadWait()}. */
    public static final Duration DEFAULT_LOAD_WAIT = dev.weft.cache.LocalCache.DEFAULT_LOAD_WAIT;
    /**
     * Default {@link #invalidationWait()}: two attempts at the default command timeout, so a write while Redis hangs
     * costs ~0.25 s (the fault suite holds PATCH p99 under 0.5 s then); an attempt refused while the connection is
     * down fails at once, so there are more of those.
     */
    public static final Duration DEFAULT_INVALIDATION_WAIT = Duration.ofMillis(200);

    /** Validates every field. */
    public RedisConfig {
        Objects.requireNonNull(url, "url");
        String text = url.reveal();
        String scheme = text.contains("://") ? text.substring(0, text.indexOf("://")) : "";
        if (!scheme.equals("redis") && !scheme.equals("rediss") && !scheme.equals("redis-sentinel")
                && !scheme.equals("rediss-sentinel") && !scheme.equals("redis-socket")) {
            throw new InvalidConfigException("weft.cache.redis.url (REDIS_URL)", redacted(text),
                    "must start with redis://, rediss:// or redis-sentinel://");
        }
        try {
            io.lettuce.core.RedisURI parsed = io.lettuce.core.RedisURI.create(text);
            if (!scheme.contains("sentinel") && !scheme.equals("redis-socket")
                    && (URI.create(text).getHost() == null || parsed.getHost() == null)) {
                throw new IllegalArgumentException("no host");
            }
        } catch (RuntimeException e) {
            // Lettuce's message may echo the URL: keep only our redacted form.
            throw new InvalidConfigException("weft.cache.redis.url (REDIS_URL)", redacted(text), "is not a valid Redis URL");
        }
        // weft's one rule for names, with its message: the rule a refused name breaks, not another one
        dev.weft.core.InstanceName.check("weft.cache.namespace", namespace);
        Checks.atLeast("weft.cache.redis.command-timeout", commandTimeout, Duration.ofMillis(10));
        Checks.atLeast("weft.cache.redis.connect-timeout", connectTimeout, Duration.ofMillis(10));
        Checks.atLeast("weft.cache.redis.breaker-open-time", breakerOpenTime, Duration.ofMillis(10));
        Checks.atLeast("weft.cache.redis.lease-time", leaseTime, Duration.ofMillis(100));
        Checks.atLeast("weft.cache.redis.load-wait", loadWait, Duration.ofMillis(10));
        Checks.atLeast("weft.cache.redis.invalidation-wait", invalidationWait, Duration.ZERO);
    }

    /**
     * @param url the Redis URL
     * @return a config with every other setting at its default
     */
    public static RedisConfig of(String url) {
        return new RedisConfig(Secret.of(Objects.requireNonNull(url, "url")), DEFAULT_NAMESPACE,
                DEFAULT_COMMAND_TIMEOUT, DEFAULT_CONNECT_TIMEOUT, DEFAULT_BREAKER_OPEN_TIME, DEFAULT_LEASE_TIME,
                DEFAULT_LOAD_WAIT, DEFAULT_INVALIDATION_WAIT);
    }

    /**
     * Reads {@code REDIS_URL} (or {@code WEFT_CACHE_REDIS_URL}) and {@code WEFT_CACHE_NAMESPACE}.
     *
     * @param env the environment
     * @return the config, or empty if no Redis URL is set
     */
    public static java.util.Optional<RedisConfig> fromEnv(Map<String, String> env) {
        String url = env.getOrDefault("WEFT_CACHE_REDIS_URL", env.get("REDIS_URL"));
        if (url == null || url.isBlank()) {
            return java.util.Optional.empty();
        }
        RedisConfig config = of(url.trim());
        String namespace = env.get("WEFT_CACHE_NAMESPACE");
        return java.util.Optional.of(namespace == null ? config : config.withNamespace(namespace));
    }

    /**
     * @param value the namespace
     * @return a copy with it
     */
    public RedisConfig withNamespace(String value) {
        return new RedisConfig(url, value, commandTimeout, connectTimeout, breakerOpenTime, leaseTime, loadWait,
                invalidationWait);
    }

    /**
     * @param value the command timeout
     * @return a copy with it
     */
    public RedisConfig withCommandTimeout(Duration value) {
        return new RedisConfig(url, namespace, value, connectTimeout, breakerOpenTime, leaseTime, loadWait,
                invalidationWait);
    }

    /**
     * @param value the breaker's open time
     * @return a copy with it
     */
    public RedisConfig withBreakerOpenTime(Duration value) {
        return new RedisConfig(url, namespace, commandTimeout, connectTimeout, value, leaseTime, loadWait,
                invalidationWait);
    }

    /**
     * @param value the lease time
     * @return a copy with it
     */
    public RedisConfig withLeaseTime(Duration value) {
        return new RedisConfig(url, namespace, commandTimeout, connectTimeout, breakerOpenTime, value, loadWait,
                invalidationWait);
    }

    /**
     * @param value the longest an invalidation keeps retrying before its call returns without Redis having taken it
     * @return a copy with it
     */
    public RedisConfig withInvalidationWait(Duration value) {
        return new RedisConfig(url, namespace, commandTimeout, connectTimeout, breakerOpenTime, leaseTime, loadWait,
                value);
    }

    /**
     * @param value the load wait
     * @return a copy with it
     */
    public RedisConfig withLoadWait(Duration value) {
        return new RedisConfig(url, namespace, commandTimeout, connectTimeout, breakerOpenTime, leaseTime, value,
                invalidationWait);
    }

    /** @return the URL with any password replaced by {@code ****} */
    public String redactedUrl() {
        return redacted(url.reveal());
    }

    /**
     * Replaces what stands between {@code scheme://} and the last {@code @} (the user info) by
     * {@code user:****}, or {@code ****} when there is no user (Redis treats a lone user-info as the password).
     * Works on multi-host Sentinel URLs, which {@link URI} does not parse.
     */
    private static String redacted(String text) {
        int scheme = text.indexOf("://");
        int at = text.lastIndexOf('@');
        if (scheme < 0 || at < scheme) {
            return text;
        }
        String userInfo = text.substring(scheme + 3, at);
        int colon = userInfo.indexOf(':');
        String user = colon <= 0 ? "" : userInfo.substring(0, colon) + ":";
        return text.substring(0, scheme + 3) + user + "****" + text.substring(at);
    }

    @Override
    public String toString() {
        return "RedisConfig[url=" + redactedUrl() + ", namespace=" + namespace + ", commandTimeout=" + commandTimeout
                + ", connectTimeout=" + connectTimeout + ", breakerOpenTime=" + breakerOpenTime + ", leaseTime="
                + leaseTime + ", loadWait=" + loadWait + ", invalidationWait=" + invalidationWait + "]";
    }
}
