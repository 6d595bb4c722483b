package dev.weft.service.usage;

import dev.weft.db.Database;
import dev.weft.service.Access;
import dev.weft.service.Exchange;
import dev.weft.service.RouteModule;
import dev.weft.service.Routes;
import dev.weft.service.ServiceContext;
import dev.weft.service.data.Page;
import dev.weft.service.data.UsageRepository;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.BiFunction;
import org.jspecify.annotations.Nullable;



/**
 * The model-usage endpoints of API.md: {@code GET /usage} (rows, newest first), {@code GET /usage/stats?days=}
 * (per model type) and {@code GET /usage/daily?days=} (per UTC day). A user sees its own usage; the admin sees all,
 * or one user's with {@code user_id}. {@code days} is 1..366 (default 30 for stats, 7 for daily).
 *
 * <p>Thread-safe.
 */
public final class UsageModule implements RouteModule {
    private static final String FORBIDDEN_OTHER_USER = "only the admin may read another user's usage";
    /** Largest {@code days}. */
    public static final int MAX_DAYS = 366;

    private final UsageRepository usage;
    private final Database db;

    /** @param context the service context */
    public UsageModule(ServiceContext context) {
        Objects.requireNonNull(context, "context");
        this.usage = context.usage();
        this.db = context.database();
    }

    @Override
    public void routes(Routes routes) {
        routes.get("/usage", Access.AUTHENTICATED, this::list)
                .get("/usage/stats", Access.AUTHENTICATED, this::stats)
                .get("/usage/daily", Access.AUTHENTICATED, this::daily);
    }

    private void list(Exchange exchange) {
        Long userId = exchange.scopedUser(FORBIDDEN_OTHER_USER);
        int limit = (int) Page.number(exchange::query, "limit", Page.DEFAULT_LIMIT, 1, Page.MAX_LIMIT);
        long offset = Page.number(exchange::query, "offset", 0, 0, Long.MAX_VALUE / 2);
        Map<String, Object> params = new HashMap<>();
        if (userId != null) {
            params.put("user_id", userId);
        }
        long total = db.query("SELECT COUNT(*) FROM model_usage" + (userId != null ? " WHERE user_id = :user_id" : ""),
                params).one(Long.class);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("items", usage.list(userId, limit, offset));
        body.put("total", total);
        body.put("limit", limit);
        body.put("offset", offset);
        exchange.send(200, body);
    }

    private void stats(Exchange exchange) {
        sendPerDays(exchange, 30, usage::getUsageStats);
    }

    private void daily(Exchange exchange) {
        sendPerDays(exchange, 7, usage::getDailyUsage);
    }

    /** Answers {@code {days, items}} for the caller's scope over {@code days} (default {@code fallbackDays}). */
    private static void sendPerDays(Exchange exchange, int fallbackDays,
            BiFunction<Integer, @Nullable Long, List<?>> items) {
        Long userId = exchange.scopedUser(FORBIDDEN_OTHER_USER);
        int days = days(exchange, fallbackDays);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("days", days);
        body.put("items", items.apply(days, userId));
        exchange.send(200, body);
    }

    private static int days(Exchange exchange, int fallback) {
        return (int) Page.number(exchange::query, "days", fallback, 1, MAX_DAYS);
    }

    /** @return the routes' paths, for tests */
    static List<String> paths() {
        return List.of("/usage", "/usage/stats", "/usage/daily");
    }
}
