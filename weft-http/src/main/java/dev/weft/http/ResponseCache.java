package dev.weft.http;

import dev.weft.cache.Cache;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * HTTP caching of GET responses on a weft-cache {@link Cache}, which may be shared by every instance (Redis), so it
 * follows RFC 9111's rules for a shared cache: a request with credentials is keyed by a digest of them
 * ({@link CacheKeys}), {@code no-store}, {@code private} and {@code Vary: *} are never stored, and a response with
 * {@code Vary} is served only to a request with the same values of the varied headers (one variant per key is kept:
 * another variant replaces it). {@code s-maxage}, else {@code max-age}, sets freshness (the config TTL applies when
 * the server says neither), {@code no-cache} stores but always revalidates, and a stale entry with an {@code ETag}
 * is revalidated with {@code If-None-Match} (a 304 refreshes it). Only 200 responses are stored. Thread-safe.
 */
final class ResponseCache {
    private static final Pattern S_MAXAGE = Pattern.compile("(?:^|,)\\s*s-maxage\\s*=\\s*\"?(\\d{1,10})");
    private static final Pattern MAX_AGE = Pattern.compile("(?:^|,)\\s*max-age\\s*=\\s*\"?(\\d{1,10})");
    private static final Set<String> KEPT_HEADERS = Set.of("content-type", "etag", "cache-control", "last-modified",
            "content-language", "vary");

    private final Cache cache;
    private final CacheKeys keys;
    private final Duration defaultTtl;
    private final Clock clock;

    ResponseCache(Cache cache, ApiConfig config, Clock clock) {
        this.cache = cache;
        this.keys = new CacheKeys(config);
        this.defaultTtl = config.cache().ttl();
        this.clock = clock;
    }

    /**
     * A stored response for a GET.
     *
     * @param status the status (200)
     * @param headers the kept headers
     * @param body the body
     * @param freshUntilMillis epoch millis until which it is served without asking the server
     * @param etag the entity tag, or {@code null}
     * @param vary the lowercase header names of the response's {@code Vary}, empty if none
     * @param varyDigest {@link CacheKeys#varyDigest} of the storing request's values of them
     */
    record Entry(int status, Map<String, List<String>> headers, byte[] body, long freshUntilMillis,
            @Nullable String etag, List<String> vary, String varyDigest) {
        boolean fresh(Clock clock) {
            return clock.millis() < freshUntilMillis;
        }

        /** Whether the request would have got this variant: the same values of the varied headers. */
        boolean selectedBy(List<Map.Entry<String, String>> requestHeaders) {
            return vary.isEmpty() || varyDigest.equals(CacheKeys.varyDigest(vary, requestHeaders));
        }
    }

    /**
     * The key of a GET to {@code uri}.
     *
     * @param authority the URI's {@code host:port}
     * @param requestHeaders the caller's headers (credentials among them are keyed by digest)
     */
    String key(URI uri, String authority, List<Map.Entry<String, String>> requestHeaders) {
        return keys.key(uri, authority, requestHeaders);
    }

    /** The entry stored under {@code key}, unless it is a variant the request would not have got. */
    Optional<Entry> lookup(String key, List<Map.Entry<String, String>> requestHeaders) {
        return cache.get(key, Entry.class).filter(entry -> entry.selectedBy(requestHeaders));
    }

    /** Stores a 200 response unless it forbids it; returns whether it was stored. */
    boolean store(String key, List<Map.Entry<String, String>> requestHeaders, int status,
            Map<String, List<String>> headers, byte[] body) {
        if (status != 200) {
            return false;
        }
        String cacheControl = first(headers, "cache-control").orElse("").toLowerCase(Locale.ROOT);
        if (cacheControl.contains("no-store") || cacheControl.contains("private")) {
            return false;
        }
        List<String> vary = varied(headers);
        if (vary.contains("*")) {
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
        cache.put(key, new Entry(status, kept, body, clock.millis() + freshness.toMillis(), etag, vary,
                CacheKeys.varyDigest(vary, requestHeaders)), keep);
        return true;
    }

    /** A 304 answered a revalidation: the entry is fresh again for the new max-age (or the default). */
    Entry refresh(String key, Entry entry, Map<String, List<String>> notModifiedHeaders) {
        String cacheControl = first(notModifiedHeaders, "cache-control")
                .or(() -> first(entry.headers(), "cache-control")).orElse("").toLowerCase(Locale.ROOT);
        Duration freshness = freshness(cacheControl);
        Entry refreshed = new Entry(entry.status(), entry.headers(), entry.body(),
                clock.millis() + freshness.toMillis(), entry.etag(), entry.vary(), entry.varyDigest());
        cache.put(key, refreshed, freshness.plus(defaultTtl));
        return refreshed;
    }

    /**
     * How long a response stays fresh: none for {@code no-cache}, its {@code s-maxage} (meant for shared caches like
     * this one), else its {@code max-age}, else the config TTL.
     */
    private Duration freshness(String cacheControl) {
        if (cacheControl.contains("no-cache")) {
            return Duration.ZERO;
        }
        Matcher sharedMaxAge = S_MAXAGE.matcher(cacheControl);
        if (sharedMaxAge.find()) {
            return Duration.ofSeconds(Long.parseLong(sharedMaxAge.group(1)));
        }
        Matcher maxAge = MAX_AGE.matcher(cacheControl);
        return maxAge.find() ? Duration.ofSeconds(Long.parseLong(maxAge.group(1))) : defaultTtl;
    }

    /** The lowercase header names of a response's {@code Vary}, sorted; {@code *} stays {@code *}. */
    private static List<String> varied(Map<String, List<String>> headers) {
        String vary = first(headers, "vary").orElse("");
        return Arrays.stream(vary.split(",")).map(name -> name.strip().toLowerCase(Locale.ROOT))
                .filter(name -> !name.isEmpty()).distinct().sorted().toList();
    }

    void invalidate(String key) {
        cache.invalidate(key);
    }

    private static Optional<String> first(Map<String, List<String>> headers, String name) {
        List<String> values = headers.get(name);
        return values == null || values.isEmpty() ? Optional.empty() : Optional.of(String.join(",", values));
    }
}
