package dev.weft.service.provider;

import dev.weft.core.InvalidConfigException;
import dev.weft.core.ratelimit.BucketStore;
import dev.weft.http.ApiClient;
import dev.weft.http.ApiClientBuilder;
import dev.weft.http.ApiConfig;
import dev.weft.service.settings.Settings;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.api.OpenTelemetry;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Picks the provider from configuration: {@code PROVIDER_URL} set → an {@link HttpProvider} over a weft-http client
 * named {@code provider} (tuned with the {@code WEFT_HTTP_PROVIDER_*} variables; its per-host rate limit is shared
 * through the service's Redis connection when it has one, a {@link BucketStore} handed in), else the {@link LocalProvider} with jobs of
 * {@code WEFT_LOCAL_PROVIDER_MS} milliseconds (default 3000).
 *
 * <p>Stateless and thread-safe.
 */
public final class Providers {
    private Providers() {
    }

    /**
     * @param providerUrl the provider's base URL, or {@code null} for the local one
     * @param rateStore where the HTTP client's per-host rate limit is shared (e.g. the service's
     *     {@code redisLink.bucketStore(ApiClientBuilder.SHARED_RATE_PREFIX)}), or {@code null} for a limit per
     *     instance; its owner closes it
     * @param env the environment
     * @param registry where {@code http.client.requests} goes
     * @param clock the local provider's clock
     * @return the provider; the caller closes it
     * @throws InvalidConfigException for a bad URL or setting
     */
    public static VideoProvider fromConfig(@Nullable String providerUrl, @Nullable BucketStore rateStore,
            Map<String, String> env, MeterRegistry registry, Clock clock) {
        return choose(providerUrl, rateStore, env, registry, clock, null);
    }

    /**
     * As {@link #fromConfig(String, BucketStore, Map, MeterRegistry, Clock)}, with the HTTP client's calls traced:
     * a CLIENT span per attempt under the current span (a job step's), its {@code traceparent} sent to the provider.
     *
     * @param providerUrl the provider's base URL, or {@code null} for the local one
     * @param rateStore where the HTTP client's per-host rate limit is shared, or {@code null}
     * @param env the environment
     * @param registry where {@code http.client.requests} goes
     * @param clock the local provider's clock
     * @param openTelemetry the service's OpenTelemetry (the noop instance when tracing is off)
     * @return the provider; the caller closes it
     * @throws InvalidConfigException for a bad URL or setting
     */
    public static VideoProvider fromConfig(@Nullable String providerUrl, @Nullable BucketStore rateStore,
            Map<String, String> env, MeterRegistry registry, Clock clock, OpenTelemetry openTelemetry) {
        return choose(providerUrl, rateStore, env, registry, clock,
                Objects.requireNonNull(openTelemetry, "openTelemetry"));
    }

    /**
     * Reads the provider's settings as {@link #fromConfig} does, making nothing: a bad one is refused before the
     * service opens anything.
     *
     * @param providerUrl the provider's base URL, or {@code null} for the local one
     * @param env the environment
     * @throws InvalidConfigException for a bad URL or setting
     */
    public static void checkSettings(@Nullable String providerUrl, Map<String, String> env) {
        Objects.requireNonNull(env, "env");
        if (providerUrl == null) {
            localTime(env);
        } else {
            clientConfig(providerUrl, env);
        }
    }

    private static Duration localTime(Map<String, String> env) {
        return Settings.LOCAL_PROVIDER_TIME.millis(env, LocalProvider.DEFAULT_PROCESSING_TIME);
    }

    private static ApiConfig clientConfig(String providerUrl, Map<String, String> env) {
        Map<String, String> settings = new HashMap<>(env);
        settings.putIfAbsent("WEFT_HTTP_PROVIDER_BASE_URL", providerUrl);
        return ApiConfig.fromEnv("provider", settings);
    }

    private static VideoProvider choose(@Nullable String providerUrl, @Nullable BucketStore rateStore,
            Map<String, String> env, MeterRegistry registry, Clock clock, @Nullable OpenTelemetry openTelemetry) {
        Objects.requireNonNull(env, "env");
        if (providerUrl == null) {
            return LocalProvider.create(localTime(env), clock);
        }
        ApiConfig config = clientConfig(providerUrl, env);
        ApiClientBuilder builder = ApiClient.builder(config).meterRegistry(registry);
        if (rateStore != null) {
            builder.sharedRateLimit(rateStore);
        }
        if (openTelemetry != null) {
            builder.openTelemetry(openTelemetry);
        }
        return HttpProvider.create(builder.build());
    }

    /**
     * An HTTP provider whose client opens a Redis connection of its own for a shared rate limit, or none.
     *
     * @param config the client settings
     * @param redisUrl Redis for a shared rate limit, or {@code null}
     * @param registry where {@code http.client.requests} goes
     * @return an HTTP provider; the caller closes it (and with it the client's Redis connection)
     * @see #httpSharingRateLimit(ApiConfig, BucketStore, MeterRegistry)
     */
    public static HttpProvider http(ApiConfig config, @Nullable String redisUrl, MeterRegistry registry) {
        ApiClientBuilder builder = ApiClient.builder(config).meterRegistry(registry);
        if (redisUrl != null) {
            builder.sharedRateLimit(redisUrl);
        }
        return HttpProvider.create(builder.build());
    }

    /**
     * An HTTP provider whose client shares its per-host rate limit through a store on a connection someone else owns
     * (the service's one Redis connection), so the provider opens no Redis connection of its own.
     *
     * @param config the client settings
     * @param rateStore where the per-host buckets live; the client does not close it
     * @param registry where {@code http.client.requests} goes
     * @return an HTTP provider; the caller closes it
     */
    public static HttpProvider httpSharingRateLimit(ApiConfig config, BucketStore rateStore, MeterRegistry registry) {
        return HttpProvider.create(ApiClient.builder(config).meterRegistry(registry)
                .sharedRateLimit(Objects.requireNonNull(rateStore, "rateStore")).build());
    }
}
