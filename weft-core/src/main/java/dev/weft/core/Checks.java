package dev.weft.core;

import java.time.Duration;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Validation helpers for config records' compact constructors. Each throws {@link InvalidConfigException}
 * naming the setting; none clamps a value silently.
 */
public final class Checks {
    private Checks() {
    }

    /**
     * @param setting the setting's name
     * @param value the value
     * @param min the smallest value allowed
     * @return {@code value}
     * @throws InvalidConfigException if {@code value < min}
     */
    public static int atLeast(String setting, int value, int min) {
        if (value < min) {
            throw new InvalidConfigException(setting, value, "must be >= " + min);
        }
        return value;
    }

    /**
     * @param setting the setting's name
     * @param value the value
     * @param min the smallest value allowed
     * @param max the largest value allowed
     * @return {@code value}
     * @throws InvalidConfigException if {@code value} is outside {@code [min, max]}
     */
    public static int between(String setting, int value, int min, int max) {
        if (value < min || value > max) {
            throw new InvalidConfigException(setting, value, "must be between " + min + " and " + max);
        }
        return value;
    }

    /**
     * @param setting the setting's name
     * @param value the value
     * @param min the smallest value allowed
     * @param max the largest value allowed
     * @return {@code value}
     * @throws InvalidConfigException if {@code value} is outside {@code [min, max]} or not a number
     */
    public static double between(String setting, double value, double min, double max) {
        if (!(value >= min && value <= max)) {
            throw new InvalidConfigException(setting, value, "must be between " + min + " and " + max);
        }
        return value;
    }

    /**
     * @param setting the setting's name
     * @param value the duration
     * @param min the shortest duration allowed
     * @return {@code value}
     * @throws InvalidConfigException if {@code value} is missing or shorter than {@code min}
     */
    public static Duration atLeast(String setting, @Nullable Duration value, Duration min) {
        if (value == null) {
            throw new InvalidConfigException(setting, null, "is required");
        }
        if (value.compareTo(min) < 0) {
            throw new InvalidConfigException(setting, value, "must be >= " + min);
        }
        return value;
    }

    /**
     * @param setting the setting's name
     * @param value the value
     * @param <T> its type
     * @return {@code value}
     * @throws InvalidConfigException if {@code value} is {@code null}
     */
    public static <T> T required(String setting, @Nullable T value) {
        if (value == null) {
            throw new InvalidConfigException(setting, null, "is required");
        }
        return value;
    }

    /**
     * @param setting the setting's name
     * @param value the text
     * @return {@code value}
     * @throws InvalidConfigException if {@code value} is missing or blank
     */
    public static String notBlank(String setting, @Nullable String value) {
        if (value == null || value.isBlank()) {
            throw new InvalidConfigException(setting, value, "must not be blank");
        }
        return value;
    }

    /**
     * Parses an integer setting from text.
     *
     * @param setting the setting's name
     * @param text the text
     * @return the integer
     * @throws InvalidConfigException if {@code text} is not an integer
     */
    public static int parseInt(String setting, String text) {
        Objects.requireNonNull(text, "text");
        try {
            return Integer.parseInt(text.trim());
        } catch (NumberFormatException e) {
            throw new InvalidConfigException(setting, text, "must be an integer", e);
        }
    }

    /**
     * Parses a duration setting given in (possibly fractional) seconds, as the guides' {@code *_TIMEOUT} and
     * {@code *_RECYCLE} variables are, or in ISO-8601 ({@code PT30S}).
     *
     * @param setting the setting's name
     * @param text the text
     * @return the duration
     * @throws InvalidConfigException if {@code text} is neither
     */
    public static Duration parseSeconds(String setting, String text) {
        Objects.requireNonNull(text, "text");
        String trimmed = text.trim();
        try {
            if (trimmed.startsWith("P") || trimmed.startsWith("p")) {
                return Duration.parse(trimmed);
            }
            double seconds = Double.parseDouble(trimmed);
            if (!Double.isFinite(seconds)) {
                throw new NumberFormatException(trimmed);
            }
            return Duration.ofNanos(Math.round(seconds * 1_000_000_000d));
        } catch (RuntimeException e) {
            throw new InvalidConfigException(setting, text, "must be a number of seconds or an ISO-8601 duration", e);
        }
    }

    /**
     * Parses a boolean setting: {@code true/false}, {@code yes/no}, {@code on/off}, {@code 1/0}.
     *
     * @param setting the setting's name
     * @param text the text
     * @return the boolean
     * @throws InvalidConfigException for anything else
     */
    public static boolean parseBoolean(String setting, String text) {
        return switch (text.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "true", "yes", "on", "1" -> true;
            case "false", "no", "off", "0" -> false;
            default -> throw new InvalidConfigException(setting, text, "must be true or false");
        };
    }
}
