package dev.weft.service.ops;

import dev.weft.cache.CacheStats;
import dev.weft.db.PoolStatus;
import dev.weft.db.QueryMetrics;
import dev.weft.service.Json;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** JSON shapes of weft-db and weft-cache values for the operations endpoints: snake_case, milliseconds. */
final class OpsViews {
    private OpsViews() {
    }

    static double ms(Duration duration) {
        return Math.round(duration.toNanos() / 1_000.0) / 1_000.0;
    }

    static Map<String, Object> pool(PoolStatus pool) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("size", pool.size());
        out.put("max_connections", pool.maxConnections());
        out.put("checked_in", pool.checkedIn());
        out.put("checked_out", pool.checkedOut());
        out.put("overflow", pool.overflow());
        out.put("invalid", pool.invalid());
        out.put("waiting", pool.waiting());
        out.put("timeouts", pool.timeouts());
        return out;
    }

    static Map<String, Object> query(QueryMetrics.Record record) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("id", record.id());
        out.put("type", record.type());
        out.put("sql", record.sql());
        out.put("started_at", Json.timestamp(record.startedAt()));
        out.put("duration_ms", ms(record.duration()));
        out.put("rows", record.rows());
        out.put("success", record.success());
        return out;
    }

    static Map<String, Object> queries(QueryMetrics metrics) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("total", metrics.total());
        out.put("succeeded", metrics.succeeded());
        out.put("failed", metrics.failed());
        out.put("success_rate", metrics.successRate());
        out.put("avg_ms", ms(metrics.average()));
        out.put("p50_ms", ms(metrics.p50()));
        out.put("p95_ms", ms(metrics.p95()));
        out.put("p99_ms", ms(metrics.p99()));
        out.put("slow_threshold_ms", ms(metrics.slowThreshold()));
        out.put("recent", metrics.recent().stream().map(OpsViews::query).toList());
        out.put("slow_queries", metrics.slowQueries().stream().map(OpsViews::query).toList());
        return out;
    }

    static List<Map<String, Object>> slowest(QueryMetrics metrics, int limit) {
        List<QueryMetrics.Record> all = new ArrayList<>(metrics.recent());
        all.addAll(metrics.slowQueries());
        return all.stream().distinct().sorted(Comparator.comparing(QueryMetrics.Record::duration).reversed())
                .limit(limit).map(OpsViews::query).toList();
    }

    static Map<String, Object> cache(CacheStats stats) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("hits", stats.hits());
        out.put("misses", stats.misses());
        out.put("hit_rate", stats.hitRate());
        out.put("evictions", stats.evictions());
        out.put("size", stats.size());
        out.put("load_time_ms", ms(stats.loadTime()));
        out.put("errors", stats.errors());
        out.put("dropped_writes", stats.droppedWrites());
        out.put("unreadable", stats.unreadable());
        return out;
    }
}
