package dev.weft.service;

import java.time.Duration;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The one place that names the service's cache keys and tags, and how long each kind of entry lives. Every reader
 * and every invalidator asks here, so a key written by one class is the key another one drops.
 *
 * <p>User entries and the admin cache API's entries carry the database's cache scope
 * ({@link ServiceContext#cacheScope()}): two databases sharing one Redis never serve each other's ids or entries. Video entries are keyed by the video id, which is random and so needs no
 * scope.
 *
 * <p>Thread-safe.
 */
public final class CacheKeys {
    /** How long a profile stays cached (it is invalidated on every change anyway). */
    public static final Duration PROFILE_TTL = Duration.ofMinutes(5);
    /**
     * How long a video stays cached when its invalidations reach every instance (Redis configured); it is invalidated
     * on every change anyway.
     */
    public static final Duration SHARED_VIDEO_TTL = Duration.ofMinutes(5);
    /**
     * How long a video stays cached in an in-process cache only: another instance's worker cannot invalidate it, so
     * a status read on this instance is at most this old.
     */
    public static final Duration LOCAL_VIDEO_TTL = Duration.ofSeconds(10);

    /**
     * How long an API key's principal stays cached: it is dropped when the user is deactivated or deleted or the key
     * rotated, so this only bounds what an invalidation that never arrived could leave behind.
     */
    public static final Duration PRINCIPAL_TTL = Duration.ofMinutes(5);
    /** The name of the cache of API keys' principals. */
    public static final String PRINCIPALS = "weft-api-keys";
    /**
     * How many keys' principals the cache (its local tier with Redis) holds: an entry is ~0.3 KB, so the bound is
     * ~30 MB when that many keys are in use. The cache is bounded by age ({@code LocalCache.createByAge}: a hit
     * costs no eviction bookkeeping); beyond the bound, keys first seen while it is full are looked up (batched) on
     * each request until older entries expire.
     */
    public static final long PRINCIPAL_CACHE_SIZE = 100_000;

    /** How many tags the principals share: one per value of a key hash's first three hex digits. */
    private static final int API_KEY_TAGS = 1 << 12;

    private final Supplier<String> scope;
    /** The scoped prefixes, made once for the scope they were made with (hit paths build a key per request). */
    private volatile @Nullable Scoped scoped;

    /** The prefixes of one scope, and the principals' tag sets, made as keys ask for them. */
    private static final class Scoped {
        final String scope;
        final String profile;
        final String apiKey;
        final AtomicReferenceArray<Set<String>> apiKeyTags = new AtomicReferenceArray<>(API_KEY_TAGS);

        Scoped(String scope) {
            this.scope = scope;
            this.profile = "profile:" + scope + ":";
            this.apiKey = "k:" + scope + ":";
        }
    }

    /** @param scope the database's cache scope, read on every call (it is settled once at start) */
    CacheKeys(Supplier<String> scope) {
        this.scope = Objects.requireNonNull(scope, "scope");
    }

    /**
     * @param key a key of the admin cache API ({@code /cache/{key}}), already checked
     * @return the entry it names in this database's part of the admin cache: deployments on one Redis each see
     *     their own entries only
     */
    public String adminEntry(String key) {
        return "a:" + scope.get() + ":" + key;
    }

    private Scoped scoped() {
        String current = scope.get();
        Scoped made = scoped;
        if (made == null || !made.scope.equals(current)) {
            made = new Scoped(current);
            scoped = made;
        }
        return made;
    }

    /** @param userId a user @return the key of that user's profile entry */
    public String profile(long userId) {
        return scoped().profile + userId;
    }

    /** @param userId a user @return the tag of every entry about that user (profile, stats) */
    public String userTag(long userId) {
        return "user:" + scope.get() + ":" + userId;
    }

    /**
     * @param apiKeyHash a user key's SHA-256, hex
     * @return the key of the principal that key stands for: its first 128 bits are enough to tell keys apart, and
     *     the entry stays small
     */
    public String apiKey(String apiKeyHash) {
        return scoped().apiKey + apiKeyHash.substring(0, 32);
    }

    /**
     * @param hashPrefix the first 128 bits of a user key's SHA-256, as 32 hex digits
     * @return what {@link #apiKey} returns for that key
     */
    public String apiKeyOfPrefix(String hashPrefix) {
        return scoped().apiKey + hashPrefix;
    }

    /**
     * The tag an invalidation of a key's principal drops. It is shared by every key whose hash starts with the same
     * three hex digits (4,096 tags in all), because a local tier keeps a version counter per tag for as long as it
     * runs: one tag per key would grow that table by one counter for every key ever seen. Dropping a tag drops the
     * principals of ~1/4096 of the keys, which are looked up again on their next request.
     *
     * @param apiKeyHash a user key's SHA-256, hex
     * @return the tag of that key's principal entry
     */
    public String apiKeyTag(String apiKeyHash) {
        return "kt:" + scope.get() + ":" + apiKeyHash.substring(0, 3);
    }

    /**
     * @param apiKeyHash a user key's SHA-256
     * @return the set of the one tag {@link #apiKeyTag} names for that key, made once per tag rather than per request
     */
    public Set<String> apiKeyTags(byte[] apiKeyHash) {
        Scoped current = scoped();
        int index = (apiKeyHash[0] & 0xff) << 4 | (apiKeyHash[1] & 0xff) >>> 4;
        Set<String> tags = current.apiKeyTags.get(index);
        if (tags == null) {
            tags = Set.of(apiKeyTag(HexFormat.of().formatHex(apiKeyHash, 0, 2)));
            current.apiKeyTags.set(index, tags); // a racing caller makes an equal set: either may stay
        }
        return tags;
    }

    /** @param videoId a video @return the key of that video's row */
    public String video(String videoId) {
        return "video:" + videoId;
    }
}
