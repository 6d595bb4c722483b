package dev.weft.core;

import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The one rule for the names of long-lived components (a database pool, a cache, an HTTP client, a rate limiter):
 * 1 to 64 characters, lower-case ASCII letters, digits, {@code -} and {@code _}, starting with a letter, e.g.
 * {@code primary}, {@code payments-api}, {@code user_profiles}. The name appears in logs, metric tags, Redis keys,
 * thread names and setting names ({@code weft.http.payments-api.base-url}, {@code WEFT_HTTP_PAYMENTS_API_BASE_URL}),
 * so it must be safe in all of them.
 */
public final class InstanceName {
    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_-]{0,63}");

    private InstanceName() {
    }

    /**
     * @param setting the setting that holds the name, e.g. {@code weft.db.name}, for the error message
     * @param name the name to check
     * @return {@code name}
     * @throws InvalidConfigException if the name is missing or breaks the rule
     */
    public static String check(String setting, @Nullable String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new InvalidConfigException(setting, name,
                    "must be 1-64 lower-case letters, digits, '-' or '_', starting with a letter");
        }
        return name;
    }

    /**
     * @param name a name
     * @return whether it follows the rule
     */
    public static boolean isValid(@Nullable String name) {
        return name != null && NAME.matcher(name).matches();
    }
}
