package dev.weft.core;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Validation helpers for config records' compact constructors. Each throws {@link InvalidConfigException}
 * naming the setting; none clamps a value silently.
 */
public final class Checks {
    private static final Pattern WITH_UNIT = Pattern.compile("(\\d+(?:\\.\\d+)?|\\.\\d+) ?(ms|s|m|h)",
            Pattern.CASE_INSENSITIVE);
    private static final Pattern PLAIN_NUMBER = Pattern.compile("[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?");

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
     * {@code *_RECYCLE} variables are, with a unit ({@code 500ms}, {@code 3s}, {@code 2m}, {@code 1h}), or in
     * ISO-8601 ({@code PT30S}).
     *
     * @param setting the setting's name
     * @param text the text
     * @return the duration
     * @throws InvalidConfigException if {@code text} is none of them
     */
    public static Duration parseSeconds(String setting, String text) {
        Objects.requireNonNull(text, "text");
        String trimmed = text.trim();
        refuseNegative(setting, text, trimmed);
        try {
            if (trimmed.startsWith("P") || trimmed.startsWith("p")) {
                Duration parsed = Duration.parse(trimmed);
                refuseNegative(setting, text, parsed);
                return parsed;
            }
            Duration withUnit = withUnit(trimmed);
            if (withUnit != null) {
                return withUnit;
            }
            if (!PLAIN_NUMBER.matcher(trimmed).matches()) {
                // Double.parseDouble would read "3d" (a Java double literal) as 3 seconds, not 3 days
                throw new NumberFormatException(trimmed);
            }
            double seconds = Double.parseDouble(trimmed);
            if (!Double.isFinite(seconds)) {
                throw new NumberFormatException(trimmed);
            }
            return Duration.ofNanos(Math.round(seconds * 1_000_000_000d));
        } catch (InvalidConfigException e) {
            throw e; // already says what is wrong (a negative duration)
        } catch (RuntimeException e) {
            throw new InvalidConfigException(setting, text,
                    "must be a number of seconds, a number with a unit (500ms, 3s, 2m, 1h) or an ISO-8601 duration", e);
        }
    }

    /**
     * Parses a duration setting given in whole milliseconds, or with a unit ({@code 500ms}, {@code 3s}, {@code 2m},
     * {@code 1h}).
     *
     * @param setting the setting's name
     * @param text the text
     * @return the duration
     * @throws InvalidConfigException if {@code text} is neither
     */
    public static Duration parseMillis(String setting, String text) {
        Objects.requireNonNull(text, "text");
        String trimmed = text.trim();
        refuseNegative(setting, text, trimmed);
        try {
            Duration withUnit = withUnit(trimmed);
            return withUnit != null ? withUnit : Duration.ofMillis(Long.parseLong(trimmed));
        } catch (RuntimeException e) {
            throw new InvalidConfigException(setting, text,
                    "must be a whole number of milliseconds or a number with a unit (500ms, 3s, 2m, 1h)", e);
        }
    }

    /** A duration written with a minus sign is well formed but never allowed: say that, not that it is malformed. */
    private static void refuseNegative(String setting, String text, String trimmed) {
        if (trimmed.startsWith("-")) {
            throw new InvalidConfigException(setting, text, "must not be negative");
        }
    }

    /** An ISO-8601 duration may carry its sign anywhere ({@code PT-5S}, {@code PT1H-2H}): its value decides. */
    private static void refuseNegative(String setting, String text, Duration parsed) {
        if (parsed.isNegative()) {
            throw new InvalidConfigException(setting, text, "must not be negative");
        }
    }

    /** A number and one of the units people write in a config: {@code 500ms}, {@code 1.5s}, {@code 2m}, {@code 1h}. */
    private static @Nullable Duration withUnit(String text) {
        Matcher matcher = WITH_UNIT.matcher(text);
        if (!matcher.matches()) {
            return null;
        }
        long nanosPerUnit = switch (matcher.group(2).toLowerCase(Locale.ROOT)) {
            case "ms" -> 1_000_000L;
            case "s" -> 1_000_000_000L;
            case "m" -> 60_000_000_000L;
            default -> 3_600_000_000_000L;
        };
        // BigDecimal: 0.1s is exactly 100 ms, and an overflow fails instead of wrapping
        return Duration.ofNanos(new BigDecimal(matcher.group(1)).multiply(BigDecimal.valueOf(nanosPerUnit))
                .setScale(0, RoundingMode.HALF_UP).longValueExact());
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
