package dev.weft.service.settings;

/** What kind of value a {@link Setting} takes; it decides how the value is parsed and how the docs describe it. */
public enum SettingType {
    /** Free text. */
    TEXT("text"),
    /** A whole number. */
    INTEGER("integer"),
    /** A decimal number. */
    NUMBER("number"),
    /** A size in bytes (a whole number). */
    BYTES("bytes"),
    /** {@code true/false}, {@code yes/no}, {@code on/off} or {@code 1/0}. */
    BOOLEAN("boolean"),
    /** Seconds (fractions allowed), a number with a unit ({@code 500ms}, {@code 2m}) or ISO-8601 ({@code PT30S}). */
    SECONDS("seconds"),
    /** Whole milliseconds, or a number with a unit ({@code 3s}). */
    MILLISECONDS("milliseconds"),
    /** One of a fixed set of words. */
    CHOICE("one of"),
    /** A URL. */
    URL("URL"),
    /** A file system path. */
    PATH("path"),
    /** A comma-separated list. */
    LIST("list"),
    /** JVM options, passed on as they are. */
    JVM_OPTIONS("JVM options");

    private final String text;

    SettingType(String text) {
        this.text = text;
    }

    /** @return how the docs name it */
    public String text() {
        return text;
    }
}
