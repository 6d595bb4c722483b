package dev.weft.cache.spi;

import dev.weft.core.InstanceName;
import dev.weft.core.InvalidInputException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/** The checks every cache call passes before it touches a tier; each failure names what was wrong. */
public final class CacheInputs {
    /** The longest key, in UTF-8 bytes. */
    public static final int MAX_KEY_BYTES = 512;
    /** The longest TTL: 10 years, far below the nanosecond overflow of 292 years. */
    public static final Duration MAX_TTL = Duration.ofDays(3650);
    private static final Pattern TAG = Pattern.compile("[A-Za-z0-9_.:*\\-]{1,200}");

    private CacheInputs() {
    }

    /**
     * @param key a cache key
     * @return the key
     * @throws InvalidInputException if empty, over 512 UTF-8 bytes, or holding a control character
     */
    public static String key(String key) {
        if (key == null || key.isEmpty()) {
            throw new InvalidInputException("invalid_cache_key", "key", "cache key must not be empty");
        }
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0)) {
                throw new InvalidInputException("invalid_cache_key", "key",
                        "cache key contains a control character at index " + i);
            }
        }
        // Most keys are short ASCII: only count bytes when the chars alone could exceed the limit.
        if (key.length() * 3 > MAX_KEY_BYTES && key.getBytes(StandardCharsets.UTF_8).length > MAX_KEY_BYTES) {
            throw new InvalidInputException("invalid_cache_key", "key",
                    "cache key is longer than " + MAX_KEY_BYTES + " bytes");
        }
        return key;
    }

    /**
     * @param ttl a time to live
     * @return the ttl
     * @throws InvalidInputException if missing, zero or negative
     */
    public static Duration ttl(Duration ttl) {
        if (ttl == null || ttl.isNegative() || ttl.isZero()) {
            throw new InvalidInputException("invalid_ttl", "ttl", "cache TTL must be positive, got " + ttl);
        }
        if (ttl.compareTo(MAX_TTL) > 0) {
            throw new InvalidInputException("invalid_ttl", "ttl", "cache TTL must be at most " + MAX_TTL + ", got " + ttl);
        }
        return ttl;
    }

    /**
     * Checks what every write and load is given: the key, the TTL and the tags.
     *
     * @param key the key
     * @param ttl the time to live
     * @param tags the tags
     * @throws InvalidInputException naming the first invalid one
     */
    public static void entry(String key, Duration ttl, Set<String> tags) {
        key(key);
        ttl(ttl);
        tags(tags);
    }

    /**
     * @param tags tags
     * @return the tags
     * @throws InvalidInputException for a tag outside {@code [A-Za-z0-9_.:*-]{1,200}}
     */
    public static Set<String> tags(Set<String> tags) {
        Objects.requireNonNull(tags, "tags");
        for (String tag : tags) {
            tag(tag);
        }
        return tags;
    }

    /**
     * @param tag a tag
     * @return the tag
     * @throws InvalidInputException for a tag outside {@code [A-Za-z0-9_.:*-]{1,200}}
     */
    public static String tag(String tag) {
        if (tag == null || !TAG.matcher(tag).matches()) {
            throw new InvalidInputException("invalid_cache_tag", "tag", "cache tag must match " + TAG.pattern());
        }
        return tag;
    }

    /**
     * @param name a cache or namespace name
     * @param role what it names, for the message
     * @return the name
     * @throws InvalidInputException if it breaks weft's one rule for names ({@link InstanceName})
     */
    public static String name(String name, String role) {
        if (!InstanceName.isValid(name)) {
            throw new InvalidInputException("invalid_cache_name", role,
                    role + " must be 1-64 lower-case letters, digits, '-' or '_', starting with a letter");
        }
        return name;
    }

    /**
     * @param glob a glob with {@code *} and {@code ?}
     * @return the equivalent regular expression
     */
    public static Pattern glob(String glob) {
        StringBuilder regex = new StringBuilder();
        for (char c : glob.toCharArray()) {
            switch (c) {
                case '*' -> regex.append(".*");
                case '?' -> regex.append('.');
                default -> regex.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return Pattern.compile(regex.toString());
    }
}
