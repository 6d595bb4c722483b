package dev.weft.http;

import dev.weft.cache.Cache;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * HTTP caching of GET responses on a weft-cache {@link Cache}: {@code no-store} is never stored, {@code max-age}
 * sets freshness (the config TTL applies when the server says nothing), {@code no-cache} stores but always
 * revalidates, and a stale entry with an {@code ETag} is revalidated with {@code If-None-Match} (a 304 refreshes
 * it). Only 200 responses are stored. Thread-safe.
 */
final class ResponseCache {
    private static final Pattern MAX_AGE = Pattern.compile("(?:^|,)\\s*(?:s-maxage|max-age)\\s*=\\s*\"?(\\d{1,10})");
    private static final Set<String> KEPT_HEADERS = Set.of("content-type", "etag", "cache-control", "last-modified",
            "content-language");

    private final Cache cache;
    private final Duration defaultTtl;
    private final Clock clock;
    private final String prefix;

    ResponseCache(Cache cache, String client, Duration defaultTtl, Clock clock) {
        this.cache = cache;
        this.defaultTtl = defaultTtl;
        this.clock = clock;
        this.prefix = "http:" + client + ":";
    }

    /**
     * A stored response for a GET.
     *
     * @param status the status (200)
     * @param headers the kept headers
     * @param body the body
     * @param freshUntilMillis epoch millis until which it is served without asking the server
     * @param etag the entity tag, or {@code null}
     */
    record Entry(int status, Map<String, List<String>> headers, byte[] body, long freshUntilMillis,
            @Nullable String etag) {
        boolean fresh(Clock clock) {
            return clock.millis() < freshUntilMillis;
        }
    }

    String key(String uri) {
        return prefix + uri;
    }

    Optional<Entry> lookup(String key) {
        return cache.get(key, Entry.class);
    }

    /** Stores a 200 response unless it forbids it; returns whether it was stored. */
    boolean store(String key, int status, Map<String, List<String>> headers, byte[] body) {
        if (status != 200) {
            return false;
        }
        String cacheControl = first(headers, "cache-control").orElse("").toLowerCase(Locale.ROOT);
        if (cacheControl.contains("no-store") || cacheControl.contains("private")) {
            return false;
        }
        String etag = first(headers, "etag").orElse(null);
        Duration freshness = freshness(cacheControl);
        if (freshness.isZero() && etag == null) {
            return false;
        }
        // A stale entry is kept while it can still be revalidated with its ETag.
        Duration keep = etag == null ? freshness : freshness.plus(defaultTtl);
        Map<String, List<String>> kept = new java.util.HashMap<>();
        headers.forEach((name, values) -> {
            if (KEPT_HEADERS.contains(name)) {
                kept.put(name, List.copyOf(values));
            }
        });
        cache.put(key, new Entry(status, kept, body, clock.millis() + freshness.toMillis(), etag), keep);
        return true;
    }

    /** A 304 answered a revalidation: the entry is fresh again for the new max-age (or the default). */
    Entry refresh(String key, Entry entry, Map<String, List<String>> notModifiedHeaders) {
        String cacheControl = first(notModifiedHeaders, "cache-control")
                .or(() -> first(entry.headers(), "cache-control")).orElse("").toLowerCase(Locale.ROOT);
        Duration freshness = freshness(cacheControl);
        Entry refreshed = new Entry(entry.status(), entry.headers(), entry.body(),
                clock.millis() + freshness.toMillis(), entry.etag());
        cache.put(key, refreshed, freshness.plus(defaultTtl));
        return refreshed;
    }

    /** How long a response stays fresh: none for {@code no-cache}, its {@code max-age}, else the config TTL. */
    private Duration freshness(String cacheControl) {
        if (cacheControl.contains("no-cache")) {
            return Duration.ZERO;
        }
        Matcher maxAge = MAX_AGE.matcher(cacheControl);
        return maxAge.find() ? Duration.ofSeconds(Long.parseLong(maxAge.group(1))) : defaultTtl;
    }

    void invalidate(String key) {
        cache.invalidate(key);
    }

    private static Optional<String> first(Map<String, List<String>> headers, String name) {
        List<String> values = headers.get(name);
        return values == null || values.isEmpty() ? Optional.empty() : Optional.of(String.join(",", values));
    }
}
