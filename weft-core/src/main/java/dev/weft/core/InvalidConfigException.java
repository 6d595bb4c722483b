package dev.weft.core;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A setting has a value weft will not start with. Thrown at start-up, never later; the message names the setting
 * (in its {@code weft.*} form or the guides' alias), the value (unless the setting is secret) and the rule.
 * Kind {@link ErrorKind#INVALID_INPUT}.
 */
public class InvalidConfigException extends WeftException {
    private static final long serialVersionUID = 1L;

    private final String setting;

    /**
     * @param setting the setting's name, e.g. {@code weft.db.pool.size}
     * @param value the rejected value; pass {@link Secret} for secrets so it prints redacted
     * @param rule what the value must satisfy, e.g. {@code "must be >= 1"}
     */
    public InvalidConfigException(String setting, @Nullable Object value, String rule) {
        this(setting, value, rule, null);
    }

    /**
     * @param setting the setting's name
     * @param value the rejected value
     * @param rule what the value must satisfy
     * @param cause the parsing failure, or {@code null}
     */
    public InvalidConfigException(String setting, @Nullable Object value, String rule, @Nullable Throwable cause) {
        super(ErrorKind.INVALID_INPUT, "invalid_config",
                "invalid setting " + setting + "=" + describe(value) + ": " + rule, cause);
        this.setting = Objects.requireNonNull(setting, "setting");
    }

    /** @return the name of the rejected setting */
    public String setting() {
        return setting;
    }

    private static String describe(@Nullable Object value) {
        if (value == null) {
            return "<missing>";
        }
        String text = value instanceof CharSequence ? "'" + value + "'" : String.valueOf(value);
        return text.length() > 200 ? text.substring(0, 200) + "..." : text;
    }
}
