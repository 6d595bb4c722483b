package dev.weft.service.ops;

import com.fasterxml.jackson.databind.JsonNode;
import dev.weft.cache.Cache;
import dev.weft.service.Access;
import dev.weft.service.Exchange;
import dev.weft.service.ProblemException;
import dev.weft.service.RouteModule;
import dev.weft.service.Routes;
import dev.weft.service.ServiceContext;
import dev.weft.service.Validation;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The admin's cache: {@code GET/PUT/DELETE /cache/{key}}, keys {@code [A-Za-z0-9:_.-]{1,200}} without {@code ..}, in a cache of their own
 * (so they cannot reach the service's entries). Values are stored as JSON text with their expiry, so a read can
 * answer the remaining TTL.
 *
 * <p>Thread-safe.
 */
public final class CacheModule implements RouteModule {
    private static final Pattern KEY = Pattern.compile("[A-Za-z0-9:_.-]{1,200}");

    /**
     * What is stored per key.
     *
     * @param json the value as JSON text
     * @param expiresAtMillis when it expires, epoch milliseconds
     */
    public record Entry(String json, long expiresAtMillis) {
    }

    /** The key that {@code GET /cache/stats}, the statistics route, takes. */
    private static final String RESERVED_KEY = "stats";

    private final ServiceContext context;
    private final Cache cache;

    /** @param context the service context */
    public CacheModule(ServiceContext context) {
        this.context = Objects.requireNonNull(context, "context");
        this.cache = context.adminCache();
    }

    @Override
    public void routes(Routes routes) {
        routes.get("/cache/{key}", Access.ADMIN, this::get)
                .put("/cache/{key}", Access.ADMIN, this::put)
                .delete("/cache/{key}", Access.ADMIN, this::delete);
    }

    private void get(Exchange exchange) {
        String key = key(exchange);
        Optional<Entry> entry = cache.get(context.cacheKeys().adminEntry(key), Entry.class);
        long now = context.clock().millis();
        if (entry.isEmpty() || entry.get().expiresAtMillis() <= now) {
            throw new dev.weft.core.NotFoundException("not_found", "no cache entry with this key");
        }
        JsonNode value = exchange.json().readTreeExact(entry.get().json().getBytes(StandardCharsets.UTF_8));
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("key", key);
        body.put("value", value);
        body.put("ttl_seconds", Math.max(1, (entry.get().expiresAtMillis() - now + 999) / 1000));
        exchange.send(200, body);
    }

    private void put(Exchange exchange) {
        String key = key(exchange);
        if (context.redis().map(redis -> !redis.hearsInvalidations()).orElse(false)) {
            // the entry lives in Redis, which cannot be reached: the write would be dropped, and a 204 would say
            // it was stored
            throw ProblemException.unavailable("cache_unavailable", "the cache's Redis cannot be reached; nothing"
                    + " was stored", Duration.ofSeconds(1));
        }
        // any JSON value, given back as it came: decimals are not rounded to a double
        CachePutRequest request = exchange.jsonExact(CachePutRequest.class);
        JsonNode value = Objects.requireNonNull(request.value());
        String problem = Validation.jsonTextProblem(value);
        if (problem != null) {
            throw ProblemException.invalidField("value", problem);
        }
        String text = new String(exchange.json().write(value), StandardCharsets.UTF_8);
        long ttl = request.ttlSeconds() == null ? CachePutRequest.DEFAULT_TTL_SECONDS : request.ttlSeconds();
        Instant expires = context.clock().instant().plusSeconds(ttl);
        cache.put(context.cacheKeys().adminEntry(key), new Entry(text, expires.toEpochMilli()), Duration.ofSeconds(ttl));
        exchange.noContent();
    }

    private void delete(Exchange exchange) {
        cache.invalidate(context.cacheKeys().adminEntry(key(exchange)));
        exchange.noContent();
    }

    private static String key(Exchange exchange) {
        String key = exchange.pathParam("key");
        if (!KEY.matcher(key).matches() || key.contains("..")) {
            // ".." matches the character class but reads as path traversal: refused so no proxy or log confuses it
            throw ProblemException.invalidField("key", "must match [A-Za-z0-9:_.-]{1,200} and not contain '..'");
        }
        if (key.equals(RESERVED_KEY)) {
            // GET /cache/stats is the statistics route: an entry under this key could be written but never read
            throw ProblemException.invalidField("key", "'stats' is reserved: GET /cache/stats answers the caches'"
                    + " statistics");
        }
        return key;
    }
}
