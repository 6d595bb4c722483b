package dev.weft.service.webhooks;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Objects;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signs a delivery by the Standard Webhooks scheme (https://www.standardwebhooks.com/): the secret is
 * {@code whsec_} and the base64 of its key bytes; the signature is {@code v1,} and the base64 of
 * HMAC-SHA256(key, {@code messageId.timestamp.body}), sent as the {@code webhook-signature} header next to
 * {@code webhook-id} and {@code webhook-timestamp} (seconds since the epoch).
 *
 * <p>Stateless and thread-safe.
 */
public final class WebhookSigner {
    /** The prefix of every secret. */
    public static final String SECRET_PREFIX = "whsec_";
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final int KEY_BYTES = 32;

    private WebhookSigner() {
    }

    /** @return a new secret: {@code whsec_} and the base64 of 32 random bytes */
    public static String newSecret() {
        byte[] key = new byte[KEY_BYTES];
        RANDOM.nextBytes(key);
        return SECRET_PREFIX + Base64.getEncoder().encodeToString(key);
    }

    /**
     * @param secret a secret from {@link #newSecret()}
     * @param messageId the {@code webhook-id}: stable across retries of one event, so receivers can de-duplicate
     * @param timestampSeconds the {@code webhook-timestamp}
     * @param body the exact bytes sent
     * @return the {@code webhook-signature} header value, {@code v1,<base64>}
     * @throws IllegalArgumentException if the secret is not a {@code whsec_} base64 secret
     */
    public static String sign(String secret, String messageId, long timestampSeconds, byte[] body) {
        Objects.requireNonNull(messageId, "messageId");
        Objects.requireNonNull(body, "body");
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(keyOf(secret), "HmacSHA256"));
            mac.update((messageId + "." + timestampSeconds + ".").getBytes(StandardCharsets.UTF_8));
            return "v1," + Base64.getEncoder().encodeToString(mac.doFinal(body));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }

    private static byte[] keyOf(String secret) {
        Objects.requireNonNull(secret, "secret");
        if (!secret.startsWith(SECRET_PREFIX)) {
            throw new IllegalArgumentException("not a webhook secret");
        }
        return Base64.getDecoder().decode(secret.substring(SECRET_PREFIX.length()));
    }
}
