package dev.weft.service.webhooks;

import dev.weft.core.InvalidConfigException;
import dev.weft.core.Secret;
import dev.weft.service.data.SettingsRepository;
import dev.weft.service.settings.Settings;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Objects;
import java.util.Optional;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Encrypts signing secrets for storage (AES-256-GCM, a fresh nonce each time) under the key of
 * {@code WEFT_WEBHOOKS_SECRET_KEY}, or one generated once and kept in the settings table.
 *
 * <p>A sealed secret is {@code v1:} and the base64 of the 12-byte random nonce followed by the ciphertext and its
 * 16-byte tag; the version prefix leaves room for another scheme or key later. A random 96-bit nonce per seal is
 * safe far beyond the number of secrets a service stores (NIST SP 800-38D's 2^32 seals per key).
 *
 * <p>Thread-safe (each call makes its own {@link Cipher}).
 */
public final class SecretBox {
    /** The settings row that holds a generated key. */
    static final String KEY_SETTING = "webhooks.secret-key";
    private static final String PREFIX = "v1:";
    private static final int KEY_BYTES = 32;
    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final SecretKey key;

    private SecretBox(byte[] key) {
        this.key = new SecretKeySpec(key, "AES");
    }

    /**
     * Opens the box: the configured key, else the key kept in the settings table, generated there first if none is
     * (by {@code putIfAbsent} and read back, so instances starting together end up with the same key).
     *
     * @param config the settings (its {@code secretKey})
     * @param settings where a generated key is kept when none is configured
     * @return the box
     * @throws InvalidConfigException naming {@code WEFT_WEBHOOKS_SECRET_KEY} if it is not the base64 of 32 bytes
     * @throws IllegalStateException if the key in the settings table is not one
     */
    public static SecretBox open(WebhooksConfig config, SettingsRepository settings) {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(settings, "settings");
        Secret configured = config.secretKey();
        if (configured != null) {
            return withKey(configured);
        }
        byte[] fresh = new byte[KEY_BYTES];
        RANDOM.nextBytes(fresh);
        settings.putIfAbsent(KEY_SETTING, Base64.getEncoder().encodeToString(fresh));
        String stored = settings.get(KEY_SETTING).orElseThrow(() -> new IllegalStateException(
                "settings row " + KEY_SETTING + " vanished right after it was written"));
        return new SecretBox(keyBytes(Secret.of(stored)).orElseThrow(() -> new IllegalStateException(
                "settings row " + KEY_SETTING + " does not hold the base64 of 32 bytes")));
    }

    /**
     * @param key the base64 of 32 bytes
     * @return a box under that key
     * @throws InvalidConfigException naming {@code WEFT_WEBHOOKS_SECRET_KEY} if it is not one
     */
    static SecretBox withKey(Secret key) {
        return new SecretBox(keyBytes(key).orElseThrow(() -> new InvalidConfigException(
                Settings.WEBHOOKS_SECRET_KEY.label(), "<secret>", "must be the base64 of 32 bytes")));
    }

    /** @param secret text that should be a key @return its 32 bytes, or empty when it is not the base64 of 32 */
    static Optional<byte[]> keyBytes(Secret secret) {
        try {
            byte[] bytes = Base64.getDecoder().decode(secret.reveal().strip());
            return bytes.length == KEY_BYTES ? Optional.of(bytes) : Optional.empty();
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** @param secret a signing secret @return the sealed text to store */
    public String seal(String secret) {
        Objects.requireNonNull(secret, "secret");
        byte[] nonce = new byte[NONCE_BYTES];
        RANDOM.nextBytes(nonce);
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
            byte[] sealed = cipher.doFinal(secret.getBytes(StandardCharsets.UTF_8));
            return PREFIX + Base64.getEncoder().encodeToString(
                    ByteBuffer.allocate(NONCE_BYTES + sealed.length).put(nonce).put(sealed).array());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is not available in this JDK", e);
        }
    }

    /**
     * @param sealed what {@link #seal} returned
     * @return the secret
     * @throws IllegalStateException if it was sealed under another key or altered
     */
    public String unseal(String sealed) {
        Objects.requireNonNull(sealed, "sealed");
        if (!sealed.startsWith(PREFIX)) {
            throw new IllegalStateException("sealed secret has an unknown format");
        }
        byte[] bytes;
        try {
            bytes = Base64.getDecoder().decode(sealed.substring(PREFIX.length()));
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("sealed secret is not base64", e);
        }
        if (bytes.length < NONCE_BYTES + TAG_BITS / 8) {
            throw new IllegalStateException("sealed secret is too short");
        }
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, bytes, 0, NONCE_BYTES));
            return new String(cipher.doFinal(bytes, NONCE_BYTES, bytes.length - NONCE_BYTES), StandardCharsets.UTF_8);
        } catch (AEADBadTagException e) {
            throw new IllegalStateException("sealed secret does not open: altered, or sealed under another key", e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is not available in this JDK", e);
        }
    }
}
