package dev.weft.service.ops;

import dev.weft.db.Database;
import dev.weft.db.QueryMetrics;
import dev.weft.db.migrate.MigrationStatus;
import dev.weft.service.Access;
import dev.weft.service.Exchange;
import dev.weft.service.Json;
import dev.weft.service.RouteModule;
import dev.weft.service.Routes;
import dev.weft.service.ServiceContext;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * {@code /metrics} (Prometheus text; public when {@code WEFT_METRICS_PUBLIC=true}), and the admin's JSON views:
 * {@code /metrics/database}, {@code /metrics/cache}, {@code /database/pool-status}, {@code /database/performance},
 * {@code /database/migrations}. The API-client views ({@code /metrics/api}, {@code /api/*}) belong to the module
 * that owns the HTTP client and register themselves the same way.
 *
 * <p>Thread-safe.
 */
public final class MetricsModule implements RouteModule {
    private final ServiceContext context;
    private final Database db;

    /** @param context the service context */
    public MetricsModule(ServiceContext context) {
        this.context = Objects.requireNonNull(context, "context");
        this.db = context.database();
    }

    @Override
    public void routes(Routes routes) {
        routes.get("/metrics", Access.METRICS, this::prometheus)
                .get("/metrics/database", Access.ADMIN,
                        exchange -> exchange.send(200, OpsViews.queries(db.queryMetrics())))
                .get("/metrics/cache", Access.ADMIN, this::cache)
                .get("/cache/stats", Access.ADMIN, this::cache)
                .get("/database/pool-status", Access.ADMIN,
                        exchange -> exchange.send(200, OpsViews.pool(db.poolStatus())))
                .get("/database/performance", Access.ADMIN, this::performance)
                .get("/database/migrations", Access.ADMIN, this::migrations);
    }

    private void prometheus(Exchange exchange) {
        exchange.response().status(Status.OK_200);
        exchange.response().header(HeaderNames.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8");
        exchange.response().send(context.registry().scrape().getBytes(StandardCharsets.UTF_8));
    }

    private void cache(Exchange exchange) {
        Map<String, Object> caches = new LinkedHashMap<>();
        context.cacheStats().forEach((name, tiers) -> {
            Map<String, Object> byTier = new LinkedHashMap<>();
            tiers.forEach((tier, stats) -> byTier.put(tier, OpsViews.cache(stats)));
            caches.put(name, byTier);
        });
        exchange.send(200, Map.of("caches", caches));
    }

    private void performance(Exchange exchange) {
        QueryMetrics metrics = db.queryMetrics();
        double seconds = Math.max(1e-3, Duration.between(context.startedAt(), context.clock().instant())
                .toNanos() / 1e9);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("database", db.name());
        body.put("uptime_seconds", Math.round(seconds * 1000) / 1000.0);
        body.put("total", metrics.total());
        body.put("throughput_per_second", metrics.total() / seconds);
        body.put("error_rate", metrics.total() == 0 ? 0.0 : (double) metrics.failed() / metrics.total());
        Map<String, Object> latency = new LinkedHashMap<>();
        latency.put("avg_ms", OpsViews.ms(metrics.average()));
        latency.put("p50_ms", OpsViews.ms(metrics.p50()));
        latency.put("p95_ms", OpsViews.ms(metrics.p95()));
        latency.put("p99_ms", OpsViews.ms(metrics.p99()));
        body.put("latency", latency);
        body.put("slowest", OpsViews.slowest(metrics, 10));
        exchange.send(200, body);
    }

    private void migrations(Exchange exchange) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (MigrationStatus status : context.migrations().status()) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("version", status.version());
            row.put("name", status.name());
            row.put("applied_at", status.appliedAt() == null ? null : Json.timestamp(status.appliedAt()));
            row.put("checksum", status.appliedChecksum() != null ? status.appliedChecksum() : status.checksum());
            row.put("state", status.state().name().toLowerCase(java.util.Locale.ROOT));
            out.add(row);
        }
        exchange.send(200, out);
    }
}
