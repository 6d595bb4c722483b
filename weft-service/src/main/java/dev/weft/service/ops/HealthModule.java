package dev.weft.service.ops;

import dev.weft.db.Database;
import dev.weft.db.DatabaseInfo;
import dev.weft.db.Health;
import dev.weft.service.Access;
import dev.weft.service.Exchange;
import dev.weft.service.HealthChecks;
import dev.weft.service.RouteModule;
import dev.weft.service.Routes;
import dev.weft.service.ServiceContext;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * {@code /health/live}, {@code /health/ready} (public), {@code /health}, {@code /health/database},
 * {@code /health/database/stats} and {@code /health/database/info} (admin).
 *
 * <p>Thread-safe.
 */
public final class HealthModule implements RouteModule {
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(2);
    private final ServiceContext context;
    private final Database db;

    /** @param context the service context */
    public HealthModule(ServiceContext context) {
        this.context = Objects.requireNonNull(context, "context");
        this.db = context.database();
    }

    @Override
    public void routes(Routes routes) {
        // a constant body: liveness is probed often, and rendering the same map each time was 5 % of its cost
        byte[] live = context.json().write(Map.of("status", "up"));
        routes.get("/health/live", Access.PUBLIC, exchange -> exchange.sendJson(200, live))
                .get("/health/ready", Access.PUBLIC, this::ready)
                .get("/health", Access.ADMIN, this::all)
                .get("/health/database", Access.ADMIN, this::database)
                .get("/health/database/stats", Access.ADMIN, this::databaseStats)
                .get("/health/database/info", Access.ADMIN, this::databaseInfo);
    }

    /**
     * Answers from the database's background checker ({@link Database#lastHealth()}), never with a probe of its own:
     * a readiness probe must answer at once, above all while the database is down (a fresh probe per request took
     * 2 s to say 503), and the checker already probes every second (every 250 ms while down).
     */
    private void ready(Exchange exchange) {
        Map<String, Object> checks = new LinkedHashMap<>();
        Health health = db.lastHealth();
        boolean ready = health.healthy();
        Map<String, Object> database = new LinkedHashMap<>();
        database.put("status", health.healthy() ? "up" : "down");
        database.put("latency_ms", OpsViews.ms(health.latency()));
        health.error().ifPresent(error -> database.put("error", error));
        Object checkedAt = health.details().get("checked_at");
        if (checkedAt != null) {
            database.put("checked_at", checkedAt);
        }
        checks.put("database", database);
        if (health.healthy()) {
            boolean current;
            try {
                current = context.migrations().isCurrent();
            } catch (RuntimeException e) {
                current = false;
            }
            checks.put("migrations", Map.of("status", current ? "up" : "down", "current", current));
            ready = current;
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", ready ? "up" : "down");
        body.put("checks", checks);
        if (!ready) {
            exchange.responseHeader("Retry-After", "1"); // the checker probes a down database every 250 ms
        }
        exchange.send(ready ? 200 : 503, body);
    }

    private void all(Exchange exchange) {
        Map<String, HealthChecks.Result> results = context.health().runAll();
        boolean healthy = results.values().stream().allMatch(HealthChecks.Result::healthy);
        Map<String, Object> checks = new LinkedHashMap<>();
        results.forEach((name, result) -> {
            Map<String, Object> check = new LinkedHashMap<>();
            check.put("status", result.status().tag());
            check.putAll(result.details());
            checks.put(name, check);
        });
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", healthy ? "up" : "down");
        body.put("checks", checks);
        exchange.send(healthy ? 200 : 503, body);
    }

    private void database(Exchange exchange) {
        Health health = db.health(PROBE_TIMEOUT);
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("healthy", health.healthy());
        entry.put("role", "primary");
        entry.put("latency_ms", OpsViews.ms(health.latency()));
        health.error().ifPresent(error -> entry.put("error", error));
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", health.healthy() ? "up" : "down");
        body.put("databases", Map.of(db.name(), entry));
        exchange.send(health.healthy() ? 200 : 503, body);
    }

    private void databaseStats(Exchange exchange) {
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("pool", OpsViews.pool(db.poolStatus()));
        entry.put("queries", OpsViews.queries(db.queryMetrics()));
        exchange.send(200, Map.of("databases", Map.of(db.name(), entry)));
    }

    private void databaseInfo(Exchange exchange) {
        DatabaseInfo info = db.info();
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("type", info.type());
        entry.put("version", info.version());
        entry.put("table_count", info.tableCount());
        entry.put("url_redacted", info.urlRedacted());
        exchange.send(200, Map.of("databases", Map.of(db.name(), entry)));
    }
}
