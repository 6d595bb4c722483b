package dev.weft.service.provider;

import com.fasterxml.jackson.databind.JsonNode;
import dev.weft.http.ApiClient;
import dev.weft.http.ApiMetrics;
import dev.weft.http.BreakerStatus;
import dev.weft.http.HostPoolStatus;
import dev.weft.service.Access;
import dev.weft.service.Exchange;
import dev.weft.service.ProblemException;
import dev.weft.service.RouteModule;
import dev.weft.service.Routes;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The API-client operations endpoints of API.md, over the provider's weft-http client: {@code GET /metrics/api},
 * {@code GET /api/pool-status}, {@code GET /api/circuit-breaker-status}, {@code POST /api/reset-circuit-breaker}
 * ({@code {"host"?}}) and {@code GET /api/performance}. With the in-process provider there is no HTTP client:
 * the answers then have zero totals and empty per-host maps. All admin-only.
 *
 * <p>Thread-safe.
 */
public final class ProviderOpsModule implements RouteModule {
    private final VideoProvider provider;
    private final Clock clock;
    private final Instant startedAt;

    /**
     * @param provider the provider whose client is shown
     * @param clock the clock (throughput is calls per second since start)
     */
    public ProviderOpsModule(VideoProvider provider, Clock clock) {
        this.provider = Objects.requireNonNull(provider, "provider");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.startedAt = clock.instant();
    }

    @Override
    public void routes(Routes routes) {
        routes.get("/metrics/api", Access.ADMIN, exchange -> exchange.send(200, metrics()))
                .get("/api/pool-status", Access.ADMIN, exchange -> exchange.send(200, pools()))
                .get("/api/circuit-breaker-status", Access.ADMIN, exchange -> exchange.send(200, breakers()))
                .post("/api/reset-circuit-breaker", Access.ADMIN, this::reset)
                .get("/api/performance", Access.ADMIN, exchange -> exchange.send(200, performance()));
    }

    private Optional<ApiClient> api() {
        return provider.apiClient();
    }

    Map<String, Object> metrics() {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("provider", provider.name());
        Optional<ApiMetrics> snapshot = api().map(ApiClient::metrics);
        out.put("client", snapshot.map(ApiMetrics::client).orElse(null));
        out.put("total_calls", snapshot.map(ApiMetrics::totalCalls).orElse(0L));
        out.put("successful_calls", snapshot.map(ApiMetrics::successfulCalls).orElse(0L));
        out.put("failed_calls", snapshot.map(ApiMetrics::failedCalls).orElse(0L));
        out.put("success_rate", snapshot.map(ApiMetrics::successRate).orElse(1.0));
        out.put("average_ms", snapshot.map(ApiMetrics::averageMs).orElse(0.0));
        out.put("p50_ms", snapshot.map(ApiMetrics::p50Ms).orElse(0.0));
        out.put("p95_ms", snapshot.map(ApiMetrics::p95Ms).orElse(0.0));
        out.put("p99_ms", snapshot.map(ApiMetrics::p99Ms).orElse(0.0));
        out.put("by_status", snapshot.map(m -> new TreeMap<>(m.byStatus())).orElse(new TreeMap<>()));
        out.put("by_outcome", snapshot.map(m -> new TreeMap<>(m.byOutcome())).orElse(new TreeMap<>()));
        out.put("retries", snapshot.map(ApiMetrics::retries).orElse(0L));
        out.put("retries_refused", snapshot.map(ApiMetrics::retriesRefused).orElse(0L));
        out.put("breaker_transitions", snapshot.map(ApiMetrics::breakerTransitions).orElse(0L));
        List<ApiMetrics.Call> recent = snapshot.map(ApiMetrics::recent).orElse(List.of());
        out.put("recent", recent.stream().map(ProviderOpsModule::call).toList());
        out.put("slow", slowest(recent, 10));
        return out;
    }

    Map<String, Object> pools() {
        Map<String, Object> out = new TreeMap<>();
        api().ifPresent(client -> client.poolStatus().forEach((host, pool) -> out.put(host, pool(pool))));
        return out;
    }

    Map<String, Object> breakers() {
        Map<String, Object> out = new TreeMap<>();
        api().ifPresent(client -> client.breakers().forEach((host, breaker) -> {
            Map<String, Object> view = breaker(breaker);
            // when a refused caller may try again: what job workers wait for instead of a fixed back-off
            view.put("permitted_in_ms", client.circuitBreaker(host).permittedIn().toMillis());
            out.put(host, view);
        }));
        return out;
    }

    private void reset(Exchange exchange) {
        String host = null;
        if (exchange.body().length > 0) {
            JsonNode body = exchange.jsonObject();
            body.fieldNames().forEachRemaining(field -> {
                if (!field.equals("host")) {
                    throw ProblemException.invalid("unknown_field", "unknown field",
                            List.of(new ProblemException.FieldError(field.length() > 64 ? field.substring(0, 64) : field,
                                    "unknown field")));
                }
            });
            JsonNode value = body.get("host");
            if (value != null && !value.isNull()) {
                if (!value.isTextual() || !value.asText().matches("[A-Za-z0-9.\\-\\[\\]:]{1,260}")) {
                    throw ProblemException.invalidField("host", "must be host or host:port");
                }
                host = value.asText();
            }
        }
        Optional<ApiClient> client = api();
        if (host != null) {
            String wanted = host;
            if (client.isEmpty() || !client.get().breakers().containsKey(wanted)) {
                throw new dev.weft.core.NotFoundException("not_found", "circuit breaker not found");
            }
            client.get().circuitBreaker(wanted).reset();
        } else {
            client.ifPresent(ApiClient::resetCircuitBreakers);
        }
        exchange.send(200, breakers());
    }

    Map<String, Object> performance() {
        Optional<ApiMetrics> snapshot = api().map(ApiClient::metrics);
        Map<String, Object> latency = new LinkedHashMap<>();
        latency.put("average", snapshot.map(ApiMetrics::averageMs).orElse(0.0));
        latency.put("p50", snapshot.map(ApiMetrics::p50Ms).orElse(0.0));
        latency.put("p95", snapshot.map(ApiMetrics::p95Ms).orElse(0.0));
        latency.put("p99", snapshot.map(ApiMetrics::p99Ms).orElse(0.0));
        long total = snapshot.map(ApiMetrics::totalCalls).orElse(0L);
        double seconds = Math.max(1e-3, Duration.between(startedAt, clock.instant()).toMillis() / 1000.0);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("provider", provider.name());
        out.put("latency_ms", latency);
        out.put("total_calls", total);
        out.put("throughput_per_second", total / seconds);
        out.put("error_rate", total == 0 ? 0.0 : snapshot.map(ApiMetrics::failedCalls).orElse(0L) / (double) total);
        out.put("slowest", slowest(snapshot.map(ApiMetrics::recent).orElse(List.of()), 5));
        out.put("pools", pools());
        return out;
    }

    private static List<Map<String, Object>> slowest(List<ApiMetrics.Call> calls, int limit) {
        return calls.stream().sorted(Comparator.comparingDouble(ApiMetrics.Call::durationMs).reversed()).limit(limit)
                .map(ProviderOpsModule::call).toList();
    }

    private static Map<String, Object> call(ApiMetrics.Call call) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("at", call.at());
        out.put("method", call.method());
        out.put("host", call.host());
        out.put("uri", call.uri());
        out.put("status", call.status());
        out.put("outcome", call.outcome());
        out.put("attempts", call.attempts());
        out.put("duration_ms", call.durationMs());
        return out;
    }

    private static Map<String, Object> pool(HostPoolStatus pool) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("leased", pool.leased());
        out.put("available", pool.available());
        out.put("pending", pool.pending());
        out.put("max", pool.max());
        return out;
    }

    private static Map<String, Object> breaker(BreakerStatus breaker) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("state", breaker.state().name());
        out.put("failure_rate", breaker.failureRate());
        out.put("slow_call_rate", breaker.slowCallRate());
        out.put("buffered_calls", breaker.bufferedCalls());
        out.put("not_permitted_calls", breaker.notPermittedCalls());
        return out;
    }
}
