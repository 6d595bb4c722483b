package dev.weft.service.webhooks;

import dev.weft.service.data.SettingsRepository;

/**
 * Encrypts signing secrets for storage (AES-256-GCM, a fresh nonce each time) under the key of
 * {@code WEFT_WEBHOOKS_SECRET_KEY}, or one generated once and kept in the settings table.
 *
 * <p>Thread-safe.
 */
public final class SecretBox {
    private SecretBox() {
    }

    /**
     * @param config the settings (its {@code secretKey})
     * @param settings where a generated key is kept when none is configured
     * @return the box
     */
    public static SecretBox open(WebhooksConfig config, SettingsRepository settings) {
        throw new UnsupportedOperationException("built on branch hookout");
    }

    /** @param secret a signing secret @return the sealed text to store */
    public String seal(String secret) {
        throw new UnsupportedOperationException("built on branch hookout");
    }

    /**
     * @param sealed what {@link #seal} returned
     * @return the secret
     * @throws IllegalStateException if it was sealed under another key or altered
     */
    public String unseal(String sealed) {
        throw new UnsupportedOperationException("built on branch hookout");
    }
}
