package dev.weft.service.webhooks;

import dev.weft.core.InvalidConfigException;
import dev.weft.core.Secret;
import dev.weft.service.settings.Settings;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Settings of webhooks and per-job callbacks (the {@code WEFT_WEBHOOKS_*} variables; docs/CONFIGURATION.md).
 *
 * <p>Immutable and thread-safe.
 *
 * @param allowHttpLoopback accept {@code http://} URLs to loopback receivers and deliver to loopback (development)
 * @param allowedNetworks CIDR blocks or addresses that deliveries may reach although private; empty: none
 * @param timeout one delivery attempt, connect to last byte
 * @param maxResponseBytes how much of a receiver's answer is read
 * @param secretKey the key (base64 of 32 bytes) that encrypts stored signing secrets, or {@code null} to use one
 *     generated and kept in the database
 * @param retryFor how long a delivery is retried before it is marked failed
 * @param disableAfter how long every attempt to a webhook may fail before it is disabled
 * @param maxPerUser webhooks one user may register
 */
public record WebhooksConfig(boolean allowHttpLoopback, List<String> allowedNetworks, Duration timeout,
        long maxResponseBytes, @Nullable Secret secretKey, Duration retryFor, Duration disableAfter,
        int maxPerUser) {

    /** Checks every field and copies the list. */
    public WebhooksConfig {
        allowedNetworks = List.copyOf(allowedNetworks);
        for (String network : allowedNetworks) {
            if (Cidr.parse(network).isEmpty()) {
                throw new InvalidConfigException(Settings.WEBHOOKS_ALLOWED_NETWORKS.label(), network,
                        "must be CIDR blocks or IP addresses (10.1.2.0/24, fd00::/64) without host bits set");
            }
        }
        Objects.requireNonNull(timeout, "timeout");
        Objects.requireNonNull(retryFor, "retryFor");
        Objects.requireNonNull(disableAfter, "disableAfter");
        if (timeout.toMillis() < 100) {
            throw new InvalidConfigException(Settings.WEBHOOKS_TIMEOUT.label(), timeout, "must be >= 100 ms");
        }
        if (maxResponseBytes < 1024) {
            throw new InvalidConfigException(Settings.WEBHOOKS_MAX_RESPONSE_BYTES.label(), maxResponseBytes,
                    "must be >= 1024");
        }
        if (secretKey != null && SecretBox.keyBytes(secretKey).isEmpty()) {
            throw new InvalidConfigException(Settings.WEBHOOKS_SECRET_KEY.label(), "<secret>",
                    "must be the base64 of 32 bytes (e.g. openssl rand -base64 32)");
        }
        if (maxPerUser < 1) {
            throw new InvalidConfigException(Settings.WEBHOOKS_MAX_PER_USER.label(), maxPerUser, "must be >= 1");
        }
    }

    /** @return the defaults: https only, no private network allowed, 10 s attempts, 24 h of retries */
    public static WebhooksConfig defaults() {
        return new WebhooksConfig(false, List.of(), Duration.ofSeconds(10), 65_536, null, Duration.ofHours(24),
                Duration.ofHours(24), 10);
    }

    /**
     * Reads the {@code WEFT_WEBHOOKS_*} variables.
     *
     * @param env the environment
     * @return the config
     * @throws InvalidConfigException naming the first bad variable
     */
    public static WebhooksConfig fromEnv(Map<String, String> env) {
        WebhooksConfig base = defaults();
        String networks = Settings.WEBHOOKS_ALLOWED_NETWORKS.text(env, "");
        return new WebhooksConfig(
                Settings.WEBHOOKS_ALLOW_HTTP_LOOPBACK.bool(env, base.allowHttpLoopback()),
                Arrays.stream(networks.split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList(),
                Settings.WEBHOOKS_TIMEOUT.millis(env, base.timeout()),
                Settings.WEBHOOKS_MAX_RESPONSE_BYTES.number(env, base.maxResponseBytes()),
                Settings.WEBHOOKS_SECRET_KEY.secret(env),
                Settings.WEBHOOKS_RETRY_FOR.millis(env, base.retryFor()),
                Settings.WEBHOOKS_DISABLE_AFTER.millis(env, base.disableAfter()),
                Settings.WEBHOOKS_MAX_PER_USER.integer(env, base.maxPerUser()));
    }

    /** @param value whether http to loopback is allowed @return a copy */
    public WebhooksConfig withAllowHttpLoopback(boolean value) {
        return new WebhooksConfig(value, allowedNetworks, timeout, maxResponseBytes, secretKey, retryFor,
                disableAfter, maxPerUser);
    }

    /**
     * @return the settings for a log line; the sealing key shown only as set or not (and under a name that log
     *     scanners for leaked secrets need not flag)
     */
    @Override
    public String toString() {
        return "WebhooksConfig[allowHttpLoopback=" + allowHttpLoopback + ", allowedNetworks=" + allowedNetworks
                + ", timeout=" + timeout + ", maxResponseBytes=" + maxResponseBytes + ", sealingKey="
                + (secretKey == null ? "generated" : "****") + ", retryFor=" + retryFor + ", disableAfter="
                + disableAfter + ", maxPerUser=" + maxPerUser + "]";
    }
}
