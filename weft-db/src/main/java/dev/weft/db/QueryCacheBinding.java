package dev.weft.db;

import dev.weft.cache.Cache;
import dev.weft.cache.TypeRef;
import dev.weft.core.InvalidInputException;
import dev.weft.db.internal.Identifiers;
import dev.weft.db.internal.SqlTables;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The query cache as weft-db uses it, through weft-cache's public {@link Cache} API only: the key of a cached read
 * (explicit, or derived from SQL, row type and values), the table tags it depends on, and the invalidation a write
 * causes (at once, or at commit inside a transaction). Thread-safe.
 */
final class QueryCacheBinding {
    /** The longest TTL weft-cache accepts: 10 years. */
    static final Duration MAX_TTL = Duration.ofDays(3650);
    private static final int MAX_REMEMBERED = 4096;

    private final Cache cache;
    private final WriteTags writeTags;
    private final boolean mysqlFamily;
    private final ConcurrentHashMap<String, Set<String>> readTags = new ConcurrentHashMap<>();

    QueryCacheBinding(Cache cache, WriteTags writeTags, boolean mysqlFamily) {
        this.cache = cache;
        this.writeTags = writeTags;
        this.mysqlFamily = mysqlFamily;
    }

    Cache cache() {
        return cache;
    }

    /**
     * Serves a read from the cache, or runs {@code load} and stores its rows under the read's table tags. Inside a
     * transaction the cache is bypassed, so the transaction sees its own writes.
     *
     * @param key the caller's key, or {@code null} to derive one
     * @param tables the tables the caller declared, or {@code null} to find them in the SQL
     */
    <T> List<T> cachedList(Connections connections, StatementSpec spec, Class<T> type, @Nullable String key,
            Duration ttl, @Nullable Set<String> tables, Supplier<List<T>> load) {
        checkTtl(ttl);
        if (writeTags.writes(spec.sql().sql())) {
            throw new InvalidInputException("cache_needs_read", "cached", "only a read can be cached");
        }
        Set<String> tags = new HashSet<>();
        tags.add(WriteTags.ALL_TABLES);
        if (tables == null) {
            tags.addAll(readTagsOf(spec.sql().sql()));
        } else {
            for (String table : tables) {
                tags.add(WriteTags.tableTag(Identifiers.check("table", table)));
            }
        }
        if (connections.transaction() != null) {
            return load.get(); // a transaction must see its own writes
        }
        String cacheKey = key != null ? "k:" + key : derivedKey(spec, type);
        // Cached rows are shared by every later hit: hand out lists (and map rows) nobody can change.
        return cache.getOrLoad(cacheKey, TypeRef.listOf(type), ttl, tags, () -> unmodifiable(load.get()));
    }

    /** The same rule weft-cache applies, checked here so that a bad TTL fails even inside a transaction. */
    private static void checkTtl(Duration ttl) {
        if (ttl.isNegative() || ttl.isZero()) {
            throw new InvalidInputException("invalid_ttl", "ttl", "cache TTL must be positive, got " + ttl);
        }
        if (ttl.compareTo(MAX_TTL) > 0) {
            throw new InvalidInputException("invalid_ttl", "ttl", "cache TTL must be at most " + MAX_TTL + ", got "
                    + ttl);
        }
    }

    /** The table tags a cached read depends on, parsed once per SQL text. */
    private Set<String> readTagsOf(String sql) {
        Set<String> cached = readTags.get(sql);
        if (cached != null) {
            return cached;
        }
        Set<String> read = SqlTables.readTables(sql, mysqlFamily).orElseThrow(() ->
                new InvalidInputException("cache_tables_unknown", "tables", "cannot tell surely which tables this "
                        + "query reads; declare them with .tables(...) to cache it"));
        Set<String> tags = new HashSet<>();
        read.forEach(table -> tags.add(WriteTags.tableTag(table)));
        if (readTags.size() > MAX_REMEMBERED) {
            readTags.clear();
        }
        Set<String> frozen = Set.copyOf(tags);
        readTags.put(sql, frozen);
        return frozen;
    }

    @SuppressWarnings("unchecked")
    private static <T> List<T> unmodifiable(List<T> rows) {
        List<T> copy = new ArrayList<>(rows.size());
        for (T row : rows) {
            copy.add(row instanceof Map<?, ?> map ? (T) Collections.unmodifiableMap(map) : row);
        }
        return Collections.unmodifiableList(copy);
    }

    /** A key from the SQL text, the row type and each parameter's type and value, hashed to a fixed length. */
    private static String derivedKey(StatementSpec spec, Class<?> type) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            StringBuilder text = new StringBuilder(spec.sql().sql()).append('\0').append(type.getName());
            new TreeMap<>(spec.params()).forEach((name, value) -> {
                text.append('\0').append(name).append('=');
                if (value != null) {
                    text.append(value.getClass().getName()).append(':').append(value instanceof byte[] bytes
                            ? HexFormat.of().formatHex(bytes) : value.toString());
                }
            });
            return "q:" + HexFormat.of().formatHex(digest.digest(text.toString().getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    /** @see Database#invalidateQueryCache(String) */
    long invalidate(String tablePattern) {
        Objects.requireNonNull(tablePattern, "tablePattern");
        long matched = cache.invalidateTags("t:" + tablePattern.toLowerCase(Locale.ROOT));
        if (tablePattern.equals("*")) {
            cache.invalidateTag(WriteTags.ALL_TABLES);
        }
        return matched;
    }

    /** After a write: invalidate its tag now, or at commit if it ran inside a transaction. */
    void invalidateAfter(Connections connections, String tag) {
        if (tag.isEmpty()) {
            return;
        }
        JdbcTransaction transaction = connections.transaction();
        if (transaction != null) {
            transaction.wrote(tag);
        } else {
            cache.invalidateTag(tag);
        }
    }

    void invalidateAfterCommit(Set<String> tags) {
        tags.forEach(cache::invalidateTag);
    }
}
