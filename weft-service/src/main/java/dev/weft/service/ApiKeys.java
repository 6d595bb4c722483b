package dev.weft.service;

import dev.weft.cache.Cache;
import dev.weft.cache.TypeRef;
import dev.weft.core.Secret;
import dev.weft.service.data.SettingsRepository;
import dev.weft.service.data.UserRepository;
import dev.weft.service.data.UserRow;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * API keys: the admin key (from {@code WEFT_ADMIN_KEY}, or generated once and stored as a SHA-256 hash in
 * {@code settings}) and user keys ({@code wk_} + 43 URL-safe characters from 32 random bytes, stored as SHA-256).
 * Keys are compared by hash, in constant time; no key is ever logged or stored in clear.
 *
 * <p>A user key's principal is cached by the key's hash ({@link CacheKeys#apiKey}, in the cache
 * {@value CacheKeys#PRINCIPALS}, tiered with Redis when one is configured), so an authenticated request costs no
 * query once its key has been seen: the entry is tagged {@link CacheKeys#apiKeyTag} and dropped when the user is
 * deactivated or deleted or the key rotated ({@link ServiceContext#invalidateApiKey}). Only active users are cached;
 * an unknown or inactive key is looked up each time (weft-db batches concurrent lookups into one query).
 *
 * <p>Thread-safe.
 */
public final class ApiKeys {
    /** The settings row holding the admin key's hash. */
    public static final String ADMIN_SETTING = "admin_key_sha256";
    private static final SecureRandom RANDOM = new SecureRandom();
    /** Reused digests: each authenticated request hashes its key. */
    private static final Sha256Digests DIGESTS = new Sha256Digests();

    private static final TypeRef<Principal> PRINCIPAL = TypeRef.of(Principal.class);

    private final UserRepository users;
    private final SettingsRepository settings;
    private final Cache principals;
    private final CacheKeys keys;
    private volatile byte @Nullable [] adminHash;

    ApiKeys(UserRepository users, SettingsRepository settings, Cache principals, CacheKeys keys) {
        this.users = Objects.requireNonNull(users, "users");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.principals = Objects.requireNonNull(principals, "principals");
        this.keys = Objects.requireNonNull(keys, "keys");
    }

    /**
     * A key as a client presented it, hashed once: the rate limiter's bucket and the lookup both use the hash (its
     * first 128 bits in hex, written once for both), and the key itself is not kept.
     */
    public static final class PresentedKey {
        private final byte[] hash;
        private final boolean userKey;
        private final String hashPrefix;

        /** Takes {@code hash} as it is: {@link #present} made it for this key alone. */
        private PresentedKey(byte[] hash, boolean userKey) {
            this.hash = hash;
            this.userKey = userKey;
            this.hashPrefix = HexFormat.of().formatHex(hash, 0, 16);
        }

        /** @return the key's SHA-256 */
        public byte[] hash() {
            return hash.clone();
        }

        /** @return whether the key has a user key's prefix ({@code wk_}) */
        public boolean userKey() {
            return userKey;
        }

        /** @return the hash as 64 lower-case hex digits, as {@code users.api_key_hash} stores it */
        public String hex() {
            return HexFormat.of().formatHex(hash);
        }

        /** @return the name of this key's rate-limit bucket: a prefix of the hash, never the key */
        public String bucket() {
            return "key:" + hashPrefix;
        }
    }

    /**
     * @param key a key from a request
     * @return it hashed; empty for an empty key or one longer than any weft key could be
     */
    public static Optional<PresentedKey> present(String key) {
        if (key.isEmpty() || key.length() > 256) {
            return Optional.empty();
        }
        return Optional.of(new PresentedKey(digest(key), key.startsWith("wk_")));
    }

    /**
     * Sets up the admin key: the configured one replaces any stored hash; otherwise the stored hash is used; when
     * there is none, a key is generated and stored (once, even with several instances starting together).
     *
     * @param configured the configured key, or {@code null}
     * @return the generated key, to print once; empty when none was generated here
     */
    public Optional<String> initAdmin(@Nullable Secret configured) {
        if (configured != null && !configured.isEmpty()) {
            String hash = sha256(configured.reveal());
            if (!settings.get(ADMIN_SETTING).map(hash::equals).orElse(false)) {
                settings.put(ADMIN_SETTING, hash);
            }
            adminHash = HexFormat.of().parseHex(hash);
            return Optional.empty();
        }
        Optional<String> stored = settings.get(ADMIN_SETTING);
        if (stored.isPresent()) {
            adminHash = HexFormat.of().parseHex(stored.get());
            return Optional.empty();
        }
        String key = "wa_" + random32();
        if (settings.putIfAbsent(ADMIN_SETTING, sha256(key))) {
            adminHash = HexFormat.of().parseHex(sha256(key));
            return Optional.of(key);
        }
        adminHash = HexFormat.of().parseHex(settings.get(ADMIN_SETTING).orElseThrow());
        return Optional.empty();
    }

    /**
     * Undoes {@link #initAdmin}'s generation for a start that failed before it could show the key: a stored hash of a
     * key nobody saw would lock the admin out, as later starts keep a stored key and show none.
     *
     * @param generated the key {@link #initAdmin} generated
     */
    public void forgetGenerated(String generated) {
        settings.removeIf(ADMIN_SETTING, sha256(generated));
        adminHash = null;
    }

    /**
     * @param key a presented key
     * @return who it belongs to: the admin, or an active user; empty for anything else
     */
    public Optional<Principal> authenticate(String key) {
        return present(key).flatMap(this::authenticate);
    }

    /**
     * @param key a presented key
     * @return who it belongs to: the admin, or an active user; empty for anything else
     */
    public Optional<Principal> authenticate(PresentedKey key) {
        byte[] admin = adminHash;
        if (admin != null && MessageDigest.isEqual(admin, key.hash)) {
            return Optional.of(Principal.adminKey());
        }
        if (!key.userKey) {
            return Optional.empty();
        }
        return Optional.ofNullable(principals.getOrLoad(keys.apiKeyOfPrefix(key.hashPrefix), PRINCIPAL,
                CacheKeys.PRINCIPAL_TTL, keys.apiKeyTags(key.hash), () -> users.getByApiKey(key.hex())
                        .filter(UserRow::isActive).map(user -> Principal.user(user.id())).orElse(null)));
    }

    /** @return a new user key: {@code wk_} and 43 URL-safe characters */
    public static String newUserKey() {
        return "wk_" + random32();
    }

    /**
     * @param key a key
     * @return its SHA-256, 64 lowercase hex digits
     */
    public static String sha256(String key) {
        return HexFormat.of().formatHex(digest(key));
    }

    private static byte[] digest(String key) {
        return DIGESTS.digest(key.getBytes(StandardCharsets.UTF_8));
    }

    private static String random32() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
