package dev.weft.service;

import dev.weft.core.InvalidConfigException;
import java.util.Locale;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The log line formats of {@code WEFT_LOG_FORMAT}. {@code json}, the name of the only JSON format before ECS, is
 * kept as an alias of {@code ecs} so old configurations keep working.
 */
enum LogFormat {
    /** Elastic Common Schema JSON, the default. */
    ECS,
    /** logstash-logback-encoder's own JSON schema. */
    LOGSTASH,
    /** Plain lines for a terminal. */
    TEXT;

    /** The setting that picks the format. */
    static final String SETTING = "WEFT_LOG_FORMAT";

    /**
     * @param value the setting's value, or {@code null} when unset
     * @return the format it names ({@link #ECS} when unset or blank), empty for an unknown name
     */
    static Optional<LogFormat> parse(@Nullable String value) {
        if (value == null || value.isBlank()) {
            return Optional.of(ECS);
        }
        return switch (value.strip().toLowerCase(Locale.ROOT)) {
            case "ecs", "json" -> Optional.of(ECS);
            case "logstash" -> Optional.of(LOGSTASH);
            case "text" -> Optional.of(TEXT);
            default -> Optional.empty();
        };
    }

    /**
     * @param value the setting's value, or {@code null} when unset
     * @return the format it names
     * @throws InvalidConfigException for an unknown name, naming the allowed ones
     */
    static LogFormat of(@Nullable String value) {
        return parse(value).orElseThrow(() -> new InvalidConfigException(SETTING, value,
                "must be ecs (the default; json is an alias), logstash or text"));
    }
}
