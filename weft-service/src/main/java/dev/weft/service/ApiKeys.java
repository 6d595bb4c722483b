package dev.weft.service;

import dev.weft.core.Secret;
import dev.weft.service.data.SettingsRepository;
import dev.weft.service.data.UserRepository;
import dev.weft.service.data.UserRow;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
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
 * <p>Thread-safe.
 */
public final class ApiKeys {
    /** The settings row holding the admin key's hash. */
    public static final String ADMIN_SETTING = "admin_key_sha256";
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final MessageDigest SHA_256 = sha256Digest();

    private final UserRepository users;
    private final SettingsRepository settings;
    private volatile byte @Nullable [] adminHash;

    ApiKeys(UserRepository users, SettingsRepository settings) {
        this.users = Objects.requireNonNull(users, "users");
        this.settings = Objects.requireNonNull(settings, "settings");
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
     * @param key a presented key
     * @return who it belongs to: the admin, or an active user; empty for anything else
     */
    public Optional<Principal> authenticate(String key) {
        if (key.isEmpty() || key.length() > 256) {
            return Optional.empty();
        }
        byte[] hash = digest(key);
        byte[] admin = adminHash;
        if (admin != null && MessageDigest.isEqual(admin, hash)) {
            return Optional.of(Principal.adminKey());
        }
        if (!key.startsWith("wk_")) {
            return Optional.empty();
        }
        return users.getByApiKey(HexFormat.of().formatHex(hash)).filter(UserRow::isActive)
                .map(user -> Principal.user(user.id()));
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
        try {
            // a clone of a ready digest: MessageDigest.getInstance looks up the provider and checks the algorithm
            // constraints on every call, 5 % of an authenticated cache hit
            MessageDigest digest = (MessageDigest) SHA_256.clone();
            return digest.digest(key.getBytes(StandardCharsets.UTF_8));
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException("SHA-256 digests are cloneable", e);
        }
    }

    private static MessageDigest sha256Digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    private static String random32() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
