package dev.weft.http;

import dev.weft.core.Checks;
import dev.weft.core.InvalidConfigException;
import dev.weft.core.Secret;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.DoubleConsumer;
import java.util.function.IntConsumer;

/**
 * Reads an {@link ApiConfig} from {@code WEFT_HTTP_<NAME>_<SETTING>} environment variables (the list is on
 * {@link ApiConfig#fromEnv(String, Map)}), naming the variable on a bad value. Unset or blank variables keep their
 * defaults.
 */
final class ApiConfigEnv {
    private final String prefix;
    private final Map<String, String> env;

    private ApiConfigEnv(String prefix, Map<String, String> env) {
        this.prefix = prefix;
        this.env = env;
    }

    static ApiConfig read(String name, Map<String, String> env) {
        Objects.requireNonNull(env, "env");
        String prefix = "WEFT_HTTP_" + name.toUpperCase(Locale.ROOT).replace('-', '_') + "_";
        ApiConfigEnv vars = new ApiConfigEnv(prefix, env);
        ApiConfigBuilder builder = new ApiConfigBuilder(ApiConfig.parseUrl(prefix + "BASE_URL",
                Checks.required(prefix + "BASE_URL", env.get(prefix + "BASE_URL")))).name(name);
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
        // the preset first, so the breaker variables below refine it
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
        vars.text("ALLOWED_HOSTS", value -> builder.allowedHosts(Set.of(Arrays.stream(value.split(","))
                .map(String::trim).filter(host -> !host.isEmpty()).toArray(String[]::new))));
        return builder.build();
    }

    private void text(String key, Consumer<String> target) {
        String value = env.get(prefix + key);
        if (value != null && !value.isBlank()) {
            target.accept(value.trim());
        }
    }

    private void seconds(String key, Consumer<Duration> target) {
        text(key, value -> target.accept(Checks.parseSeconds(prefix + key, value)));
    }

    private void integer(String key, IntConsumer target) {
        text(key, value -> target.accept(Checks.parseInt(prefix + key, value)));
    }

    private void bool(String key, Consumer<Boolean> target) {
        text(key, value -> target.accept(Checks.parseBoolean(prefix + key, value)));
    }

    private void decimal(String key, DoubleConsumer target) {
        text(key, value -> {
            try {
                target.accept(Double.parseDouble(value));
            } catch (NumberFormatException e) {
                throw new InvalidConfigException(prefix + key, value, "must be a number", e);
            }
        });
    }
}
