package dev.weft.http;

/**
 * Names settings in messages. A part of {@link ApiConfig} (say {@link RetryConfig}) is a record of its own and does
 * not know the client it belongs to; {@link ApiConfigBuilder#build()} builds the parts inside {@link #CLIENT}, so a
 * bad value is reported as {@code weft.http.<name>.<setting>}, and a part built alone as
 * {@code weft.http.<setting>}.
 */
final class SettingNames {
    /** The name of the client whose config is being built. */
    static final ScopedValue<String> CLIENT = ScopedValue.newInstance();

    private SettingNames() {
    }

    /**
     * The full name of a setting.
     *
     * @param setting the kebab-case setting, e.g. {@code max-retries}
     * @return {@code weft.http.<client>.<setting>}, or {@code weft.http.<setting>} outside a build
     */
    static String of(String setting) {
        return "weft.http." + (CLIENT.isBound() ? CLIENT.get() + "." : "") + setting;
    }
}
