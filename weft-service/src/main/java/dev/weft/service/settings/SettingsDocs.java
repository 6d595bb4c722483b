package dev.weft.service.settings;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Renders the registry for people: {@code docs/CONFIGURATION.md} ({@link #markdown()}) and the settings section of
 * {@code weft serve --help} ({@link #helpLines()}). {@code SettingsDocsTest} fails when the committed file differs.
 *
 * <p>Thread-safe: stateless.
 */
public final class SettingsDocs {
    /** Where the generated reference lives, from the repository root. */
    public static final String FILE = "docs/CONFIGURATION.md";
    /** The command that writes {@link #FILE} again after a change to the registry. */
    public static final String REGENERATE = "./mvnw -B -ntp -q -pl weft-service -am test -Dtest=SettingsDocsTest "
            + "-Dsurefire.failIfNoSpecifiedTests=false -Dweft.settings.write=true";

    private SettingsDocs() {
    }

    /** @return the whole of {@code docs/CONFIGURATION.md} */
    public static String markdown() {
        StringBuilder out = new StringBuilder();
        out.append("# weft configuration\n\n")
                .append("<!-- Generated from dev.weft.service.settings.Settings; do not edit by hand. After a change "
                        + "to the registry, regenerate with:\n     ").append(REGENERATE).append(" -->\n\n")
                .append("Every setting weft reads, from `dev.weft.service.settings.Settings` (the registry the "
                        + "service reads its settings through; a test fails when code reads a variable that is "
                        + "not in it). Settings are environment variables; a few are also `weft serve` flags, and "
                        + "a flag wins over its variable. Unset or blank variables keep their defaults; an invalid "
                        + "value stops the start with one line naming the variable, and exit code 3. Durations take "
                        + "a unit (`500ms`, `3s`, `2m`, `1h`); without one, a duration in seconds takes fractions "
                        + "(`0.5`) or ISO-8601 (`PT30S`) and one in milliseconds a whole number; booleans take "
                        + "`true/false`, "
                        + "`yes/no`, `on/off` or `1/0`. Secrets are never logged or shown.\n\n")
                .append("`weft serve --help` lists the same settings with their defaults.\n\n");
        for (SettingGroup group : SettingGroup.values()) {
            List<Setting> settings = inGroup(group);
            out.append("## ").append(group.title()).append("\n\n").append(group.intro()).append("\n\n")
                    .append("| Variable | Flag | Default | Valid values | Meaning |\n|---|---|---|---|---|\n");
            for (Setting setting : settings) {
                out.append("| ").append(variableCell(setting)).append(" | ")
                        .append(setting.flag() == null ? "" : "`" + setting.flag() + "`").append(" | ")
                        .append(cell(setting.defaultValue())).append(" | ").append(validCell(setting)).append(" | ")
                        .append(escaped(setting.meaning())).append(" |\n");
            }
            out.append('\n');
        }
        return out.toString();
    }

    /** @return the lines {@code weft serve --help} shows after its options: every setting with its default */
    public static List<String> helpLines() {
        List<String> lines = new ArrayList<>();
        lines.add("Settings (environment variables; a flag wins over its variable). Meanings and valid values: "
                + FILE + ".");
        for (SettingGroup group : SettingGroup.values()) {
            lines.add(group.title() + ":");
            if (group.helpSummary() != null) {
                lines.add("  " + group.helpSummary());
                continue;
            }
            if (group.helpNote() != null) {
                lines.add("  (" + group.helpNote() + ")");
            }
            for (Setting setting : inGroup(group)) {
                String name = setting.env() != null ? setting.env() : "-D" + setting.property();
                if (setting.flag() != null) {
                    name += ", " + setting.flag();
                }
                String value = plain(setting.defaultValue()) + unit(setting) + (setting.secret() ? " (secret)" : "");
                lines.add(String.format("  %-34s %s", name, value));
            }
        }
        return lines;
    }

    /** @return the unit after a numeric default ({@code 10 s}), else nothing */
    private static String unit(Setting setting) {
        if (!setting.defaultValue().matches("[0-9.]+")) {
            return "";
        }
        return switch (setting.type()) {
            case SECONDS -> " s";
            case MILLISECONDS -> " ms";
            case BYTES -> " bytes";
            default -> "";
        };
    }

    private static List<Setting> inGroup(SettingGroup group) {
        return Settings.all().stream().filter(setting -> setting.group() == group).toList();
    }

    private static String variableCell(Setting setting) {
        String names = setting.env() != null
                ? setting.variables().stream().map(name -> "`" + name + "`").collect(Collectors.joining(" or "))
                : "`-D" + setting.property() + "`";
        return setting.secret() ? names + " (secret)" : names;
    }

    private static String validCell(Setting setting) {
        String validation = setting.validation();
        if (setting.type() == SettingType.CHOICE) {
            return setting.choices().stream().map(choice -> "`" + choice + "`").collect(Collectors.joining(", "));
        }
        return validation.isEmpty() ? setting.type().text() : setting.type().text() + ", " + escaped(validation);
    }

    private static String cell(String value) {
        boolean prose = value.equals("unset") || value.startsWith("`") || value.contains(" ");
        return prose ? escaped(value) : "`" + value + "`";
    }

    private static String escaped(String text) {
        return text.replace("|", "\\|");
    }

    private static String plain(String markdown) {
        return markdown.replace("`", "");
    }
}
