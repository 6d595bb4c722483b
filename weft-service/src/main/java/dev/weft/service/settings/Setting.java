package dev.weft.service.settings;

import dev.weft.core.Checks;
import dev.weft.core.InvalidConfigException;
import dev.weft.core.Secret;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * One setting: its key, the environment variable (and aliases) or system property that sets it, the {@code serve}
 * flag if one exists, its type, default, meaning and validation, and whether it is a secret. The readers
 * ({@link #text}, {@link #integer}, {@link #seconds}, ...) parse the value and check the documented range, so an
 * invalid value fails with one line naming the variable that held it.
 *
 * <p>Immutable and thread-safe.
 *
 * @param key the kebab-case key under {@code weft.} ({@code weft.port}), used in error messages
 * @param env the environment variable, or {@code null} for a setting that is only a system property
 * @param aliases other variables accepted for it, looked up in order after {@code env}
 * @param property the system property that sets it, or {@code null}
 * @param flag the {@code weft serve} flag that overrides it, or {@code null}
 * @param type the kind of value
 * @param defaultValue the default as the docs show it (e.g. {@code 8080}, {@code unset})
 * @param meaning what it does, one or two sentences (Markdown)
 * @param min the smallest value the readers accept (in the type's unit; milliseconds for {@link SettingType#SECONDS}),
 *     or {@code null}
 * @param max the largest value the readers accept, in the same unit, or {@code null}
 * @param choices the accepted words of a {@link SettingType#CHOICE}, else empty
 * @param rule the validation in words when it is not a range or choice (e.g. checked by the library), or empty
 * @param secret whether the value must never be shown
 * @param group the docs section
 */
public record Setting(String key, @Nullable String env, List<String> aliases, @Nullable String property,
        @Nullable String flag, SettingType type, String defaultValue, String meaning, @Nullable Long min,
        @Nullable Long max, List<String> choices, String rule, boolean secret, SettingGroup group) {

    /** Checks the fields and copies the lists. */
    public Setting {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(defaultValue, "defaultValue");
        Objects.requireNonNull(meaning, "meaning");
        Objects.requireNonNull(rule, "rule");
        Objects.requireNonNull(group, "group");
        aliases = List.copyOf(aliases);
        choices = List.copyOf(choices);
        if (env == null && property == null) {
            throw new IllegalArgumentException(key + ": a setting needs an environment variable or a property");
        }
        if (min != null && max != null && min > max) {
            throw new IllegalArgumentException(key + ": min > max");
        }
    }

    /**
     * @param group the docs section
     * @param key the key under {@code weft.}
     * @param env the environment variable
     * @return a builder
     */
    static Builder builder(SettingGroup group, String key, @Nullable String env) {
        return new Builder(group, key, env);
    }

    /** @return the variable that sets it, or for a setting that is only a system property, the property */
    public String name() {
        return env != null ? env : Objects.requireNonNull(property, "property");
    }

    /** @return the environment variables that set it, the main one first */
    public List<String> variables() {
        return Stream.concat(Stream.ofNullable(env), aliases.stream()).toList();
    }

    /** @return how error messages and docs name it: the key, then the variable and the flag */
    public String label() {
        List<String> names = new ArrayList<>(variables());
        if (flag != null) {
            names.add(flag);
        }
        return names.isEmpty() ? key : key + " (" + String.join(", ", names) + ")";
    }

    /** @return the validation in words: the range, the choices or the rule; empty if any value of the type goes */
    public String validation() {
        if (!choices.isEmpty()) {
            return String.join(", ", choices);
        }
        if (min != null || max != null) {
            return rule.isEmpty() ? range() : range() + "; " + rule;
        }
        return rule;
    }

    private String range() {
        String low = min == null ? null : shown(min);
        String high = max == null ? null : shown(max);
        if (low != null && high != null) {
            return low + " to " + high;
        }
        return low != null ? "at least " + low : "at most " + high;
    }

    private String shown(long value) {
        return switch (type) {
            case SECONDS -> value % 1000 == 0 ? value / 1000 + " s" : value + " ms";
            case MILLISECONDS -> value + " ms";
            case BYTES -> value + " bytes";
            default -> Long.toString(value);
        };
    }

    /**
     * The raw value: the first of {@link #variables()} that is set and not blank, stripped.
     *
     * @param settings the environment
     * @return the value, or empty when unset or blank
     */
    public Optional<String> value(Map<String, String> settings) {
        return variable(settings).map(name -> Objects.requireNonNull(settings.get(name)).strip());
    }

    /** @return the variable that holds the value, if any */
    private Optional<String> variable(Map<String, String> settings) {
        Objects.requireNonNull(settings, "settings");
        for (String name : variables()) {
            String value = settings.get(name);
            if (value != null && !value.isBlank()) {
                return Optional.of(name);
            }
        }
        return Optional.empty();
    }

    /** @return the name for an error about the value in {@code settings}: the key and the variable that held it */
    private String source(Map<String, String> settings) {
        return variable(settings).map(name -> key + " (" + name + ")").orElse(label());
    }

    /**
     * @param settings the environment
     * @return the text, or {@code null} when unset or blank
     * @throws InvalidConfigException if it is not one of the {@link #choices()}
     */
    public @Nullable String text(Map<String, String> settings) {
        String value = value(settings).orElse(null);
        if (value != null && !choices.isEmpty() && !choices.contains(value.toLowerCase(Locale.ROOT))) {
            throw new InvalidConfigException(source(settings), value, "must be one of " + String.join(", ", choices));
        }
        return value;
    }

    /**
     * @param settings the environment
     * @param fallback the value when unset
     * @return the text, or {@code fallback}
     */
    public String text(Map<String, String> settings, String fallback) {
        String value = text(settings);
        return value != null ? value : fallback;
    }

    /**
     * @param settings the environment
     * @return the secret, or {@code null} when unset or empty
     */
    public @Nullable Secret secret(Map<String, String> settings) {
        return value(settings).map(Secret::of).orElse(null);
    }

    /**
     * @param settings the environment
     * @param fallback the value when unset
     * @return the value
     * @throws InvalidConfigException if it is not a whole number in range
     */
    public long number(Map<String, String> settings, long fallback) {
        Optional<String> text = value(settings);
        if (text.isEmpty()) {
            return fallback;
        }
        long value;
        try {
            value = Long.parseLong(text.get());
        } catch (NumberFormatException e) {
            throw new InvalidConfigException(source(settings), text.get(), "must be an integer", e);
        }
        return checked(settings, text.get(), value);
    }

    /**
     * @param settings the environment
     * @param fallback the value when unset
     * @return the value
     * @throws InvalidConfigException if it is not a whole number in range
     */
    public int integer(Map<String, String> settings, int fallback) {
        long value = number(settings, fallback);
        if (value < Integer.MIN_VALUE || value > Integer.MAX_VALUE) {
            throw new InvalidConfigException(source(settings), value, "is out of range");
        }
        return (int) value;
    }

    /**
     * @param settings the environment
     * @param fallback the value when unset
     * @return the value
     * @throws InvalidConfigException if it is not a boolean
     */
    public boolean bool(Map<String, String> settings, boolean fallback) {
        return value(settings).map(text -> Checks.parseBoolean(source(settings), text)).orElse(fallback);
    }

    /**
     * @param settings the environment
     * @param fallback the value when unset
     * @return the value, read as seconds (fractions allowed), with a unit ({@code 500ms}, {@code 3s}, {@code 2m})
     *     or ISO-8601
     * @throws InvalidConfigException if it is neither, or out of range
     */
    public Duration seconds(Map<String, String> settings, Duration fallback) {
        Optional<String> text = value(settings);
        if (text.isEmpty()) {
            return fallback;
        }
        Duration value = Checks.parseSeconds(source(settings), text.get());
        checked(settings, text.get(), value.toMillis());
        return value;
    }

    /**
     * @param settings the environment
     * @param fallback the value when unset
     * @return the value, read as whole milliseconds or with a unit ({@code 500ms}, {@code 3s}, {@code 2m})
     * @throws InvalidConfigException if it is neither, or out of range
     */
    public Duration millis(Map<String, String> settings, Duration fallback) {
        Optional<String> text = value(settings);
        if (text.isEmpty()) {
            return fallback;
        }
        Duration value = Checks.parseMillis(source(settings), text.get());
        checked(settings, text.get(), value.toMillis());
        return value;
    }

    private long checked(Map<String, String> settings, String text, long value) {
        if ((min != null && value < min) || (max != null && value > max)) {
            throw new InvalidConfigException(source(settings), text, "must be " + range());
        }
        return value;
    }

    /** Builds a {@link Setting}; used only by {@link Settings}. */
    static final class Builder {
        private final SettingGroup group;
        private final String key;
        private final @Nullable String env;
        private final List<String> aliases = new ArrayList<>();
        private final List<String> choices = new ArrayList<>();
        private @Nullable String property;
        private @Nullable String flag;
        private SettingType type = SettingType.TEXT;
        private String defaultValue = "unset";
        private String meaning = "";
        private @Nullable Long min;
        private @Nullable Long max;
        private String rule = "";
        private boolean secret;

        private Builder(SettingGroup group, String key, @Nullable String env) {
            this.group = group;
            this.key = key;
            this.env = env;
        }

        Builder alias(String value) {
            aliases.add(value);
            return this;
        }

        Builder property(String value) {
            property = value;
            return this;
        }

        Builder flag(String value) {
            flag = value;
            return this;
        }

        Builder type(SettingType value, Object defaultShown) {
            type = value;
            defaultValue = String.valueOf(defaultShown);
            return this;
        }

        Builder defaults(Object shown) {
            defaultValue = String.valueOf(shown);
            return this;
        }

        Builder meaning(String value) {
            meaning = value;
            return this;
        }

        Builder range(long low, long high) {
            min = low;
            max = high;
            return this;
        }

        Builder atLeast(long low) {
            min = low;
            return this;
        }

        Builder choices(String... values) {
            type = SettingType.CHOICE;
            choices.addAll(List.of(values));
            return this;
        }

        Builder rule(String value) {
            rule = value;
            return this;
        }

        Builder secret() {
            secret = true;
            return this;
        }

        Setting build() {
            return new Setting(key, env, aliases, property, flag, type, defaultValue, meaning, min, max, choices,
                    rule, secret, group);
        }
    }
}
