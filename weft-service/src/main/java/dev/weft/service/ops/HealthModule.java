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
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * {@code /health/live}, {@code /health/ready} (public), {@code /health}, {@code /health/database},
 * {@code /health/database/stats} and {@code /health/database/info} (admin). The first three answer in MicroProfile
 * Health's shape, {@code {"status":"UP","checks":[{"name":"database","status":"UP","data":{...}}]}}, 200 when every
 * check is up and 503 with {@code "DOWN"} otherwise: liveness has no checks (the process answers, so it lives),
 * readiness checks the database and its migrations, and the admin's {@code /health} runs every registered
 * {@link HealthChecks} check with its detail in {@code data}.
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
        byte[] live = context.json().write(body(true, List.of()));
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
        List<Map<String, Object>> checks = new ArrayList<>();
        Health health = db.lastHealth();
        boolean ready = health.healthy();
        Map<String, Object> database = new LinkedHashMap<>();
        database.put("latency_ms", OpsViews.ms(health.latency()));
        health.error().ifPresent(error -> database.put("error", error));
        Object checkedAt = health.details().get("checked_at");
        if (checkedAt != null) {
            database.put("checked_at", checkedAt);
        }
        checks.add(check("database", health.healthy(), database));
        if (health.healthy()) {
            boolean current;
            try {
                current = context.migrations().isCurrent();
            } catch (RuntimeException e) {
                current = false;
            }
            checks.add(check("migrations", current, Map.of("current", current)));
            ready = current;
        }
        if (!ready) {
            exchange.responseHeader("Retry-After", "1"); // the checker probes a down database every 250 ms
        }
        exchange.send(ready ? 200 : 503, body(ready, checks));
    }

    private void all(Exchange exchange) {
        Map<String, HealthChecks.Result> results = context.health().runAll();
        boolean healthy = results.values().stream().allMatch(HealthChecks.Result::healthy);
        List<Map<String, Object>> checks = new ArrayList<>();
        results.forEach((name, result) -> checks.add(check(name, result.healthy(), result.details())));
        exchange.send(healthy ? 200 : 503, body(healthy, checks));
    }

    /**
     * @param up whether every check is up
     * @param checks the checks, each from {@link #check(String, boolean, Map)}
     * @return a MicroProfile Health response: {@code {"status":"UP"|"DOWN","checks":[...]}}
     */
    static Map<String, Object> body(boolean up, List<Map<String, Object>> checks) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", status(up));
        body.put("checks", checks);
        return body;
    }

    /**
     * One check in MicroProfile Health's shape: {@code {"name":...,"status":"UP"|"DOWN","data":{...}}}. The
     * specification allows only strings, numbers and booleans in {@code data}: a list becomes its elements joined
     * with commas, a nested map flattens to dotted keys.
     *
     * @param name the check's name
     * @param up whether it is up
     * @param data what it saw; omitted when empty
     * @return the check
     */
    static Map<String, Object> check(String name, boolean up, Map<String, ?> data) {
        Map<String, Object> check = new LinkedHashMap<>();
        check.put("name", name);
        check.put("status", status(up));
        Map<String, Object> flat = new LinkedHashMap<>();
        flatten("", data, flat);
        if (!flat.isEmpty()) {
            check.put("data", flat);
        }
        return check;
    }

    private static String status(boolean up) {
        return up ? "UP" : "DOWN";
    }

    // loops and a StringBuilder rather than streams and `+`: the dashboard's health section runs this every 30 s, too
    // seldom for the JIT, and in the interpreter both go through method handles (run 16 in docs/BENCHMARKS.md found no
    // measurable difference either way; the shape is pinned by HealthCheckShapeTest)
    private static void flatten(String prefix, Map<?, ?> data, Map<String, Object> into) {
        for (Map.Entry<?, ?> entry : data.entrySet()) {
            String key = prefix.isEmpty() ? String.valueOf(entry.getKey())
                    : new StringBuilder(prefix).append(entry.getKey()).toString();
            Object value = entry.getValue();
            if (value instanceof Map<?, ?> nested) {
                flatten(new StringBuilder(key).append('.').toString(), nested, into);
            } else if (value instanceof Collection<?> list) {
                StringBuilder joined = new StringBuilder();
                for (Object element : list) {
                    if (!joined.isEmpty()) {
                        joined.append(',');
                    }
                    joined.append(element);
                }
                into.put(key, joined.toString());
            } else if (value != null) {
                into.put(key, value instanceof Number || value instanceof Boolean ? value : String.valueOf(value));
            }
        }
    }

    private void database(Exchange exchange) {
        Health health = db.health(PROBE_TIMEOUT);
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("healthy", health.healthy());
        entry.put("role", "primary");
        entry.put("latency_ms", OpsViews.ms(health.latency()));
        health.error().ifPresent(error -> entry.put("error", error));
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", status(health.healthy()));
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
