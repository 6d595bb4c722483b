package dev.weft.service.settings;

import dev.weft.core.InvalidConfigException;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;

/**
 * The optional settings file ({@code WEFT_CONFIG_FILE}): a properties file whose lines name a setting by its variable
 * ({@code WEFT_PORT=8080}) or its key ({@code weft.port=8080}). It sits under the environment: a variable that is set
 * and not blank (under any of its names) wins over the file, and a flag wins over both. A line naming no setting, or one the file
 * cannot set (logging, tracing and the launcher are read before it or by other code), stops the start.
 *
 * <p>Thread-safe: stateless.
 */
public final class ConfigFile {
    /** The groups a file may set; the others are read before the file or outside this JVM's config readers. */
    private static final Set<SettingGroup> SETTABLE = EnumSet.complementOf(
            EnumSet.of(SettingGroup.LOGGING, SettingGroup.TRACING, SettingGroup.LAUNCHER));

    private ConfigFile() {
    }

    /**
     * @param env the environment
     * @return {@code env} with the settings of the file it names added under it, or {@code env} itself without one
     * @throws InvalidConfigException if the file cannot be read or names a setting it cannot set
     */
    public static Map<String, String> under(Map<String, String> env) {
        Objects.requireNonNull(env, "env");
        Optional<String> file = Settings.CONFIG_FILE.value(env);
        if (file.isEmpty()) {
            return env;
        }
        // a variable set but blank (WEFT_PORT=) counts as unset, as Setting reads it: the file's value fills it
        Map<String, String> merged = new HashMap<>(env);
        read(Path.of(file.get())).forEach((name, value) -> {
            Setting setting = settable(name, file.get());
            if (setting.value(env).isEmpty()) {
                merged.put(setting.name(), value);
            }
        });
        return Map.copyOf(merged);
    }

    private static Map<String, String> read(Path file) {
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            properties.load(reader);
        } catch (NoSuchFileException e) {
            throw new InvalidConfigException(Settings.CONFIG_FILE.label(), file, "does not exist", e);
        } catch (AccessDeniedException e) {
            throw new InvalidConfigException(Settings.CONFIG_FILE.label(), file, "is not readable by this user", e);
        } catch (IOException | IllegalArgumentException e) {
            throw new InvalidConfigException(Settings.CONFIG_FILE.label(), file,
                    "cannot be read as a properties file", e);
        }
        Map<String, String> values = new HashMap<>();
        properties.stringPropertyNames().forEach(name -> values.put(name.strip(), properties.getProperty(name)));
        return values;
    }

    private static Setting settable(String name, String file) {
        Setting setting = Settings.byVariable(name)
                .or(() -> Settings.all().stream().filter(candidate -> candidate.key().equals(name)).findFirst())
                .orElseThrow(() -> new InvalidConfigException(Settings.CONFIG_FILE.label(), file,
                        "names '" + name + "', which is no setting (docs/CONFIGURATION.md lists them)"));
        if (setting.env() == null || !SETTABLE.contains(setting.group())) {
            throw new InvalidConfigException(Settings.CONFIG_FILE.label(), file, "sets '" + name
                    + "', which is read before the file: set it in the environment");
        }
        return setting;
    }
}
