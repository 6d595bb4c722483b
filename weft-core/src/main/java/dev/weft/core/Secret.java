package dev.weft.core;

import java.security.MessageDigest;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * A secret string (password, token, key) that never prints itself: {@link #toString()} is always
 * {@code "****"}, so a secret inside a config record cannot leak through {@code toString}, a log line or an
 * exception message. Read it with {@link #reveal()} only where it is handed to a driver or a server.
 *
 * <p>Immutable and thread-safe.
 */
public final class Secret {
    private static final Secret EMPTY = new Secret("");
    private final String value;

    private Secret(String value) {
        this.value = value;
    }

    /**
     * @param value the secret text; may be empty
     * @return a secret holding {@code value}
     */
    public static Secret of(String value) {
        Objects.requireNonNull(value, "value");
        return value.isEmpty() ? EMPTY : new Secret(value);
    }

    /** @return the empty secret (no password) */
    public static Secret empty() {
        return EMPTY;
    }

    /** @return the secret text, for handing to a driver; never log it */
    public String reveal() {
        return value;
    }

    /** @return whether the secret is empty */
    public boolean isEmpty() {
        return value.isEmpty();
    }

    /** @return always {@code "****"} */
    @Override
    public String toString() {
        return "****";
    }

    /** Compares in constant time. */
    @Override
    public boolean equals(Object other) {
        return other instanceof Secret secret
                && MessageDigest.isEqual(value.getBytes(StandardCharsets.UTF_8),
                        secret.value.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public int hashCode() {
        return value.length();
    }
}
