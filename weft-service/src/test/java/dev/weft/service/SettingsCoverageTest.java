package dev.weft.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.LoggerContext;
import dev.weft.cache.redis.RedisConfig;
import dev.weft.core.InvalidConfigException;
import dev.weft.http.ApiConfig;
import dev.weft.service.jobs.JobsConfig;
import dev.weft.service.provider.Providers;
import dev.weft.service.provider.VideoProvider;
import dev.weft.service.settings.ConfigFile;
import dev.weft.service.settings.Repository;
import dev.weft.service.settings.Setting;
import dev.weft.service.settings.SettingGroup;
import dev.weft.service.settings.SettingType;
import dev.weft.service.settings.Settings;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.AbstractMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * The settings registry knows every variable the code reads, and the code reads every variable the registry lists:
 * a scan of the main sources of every module, plus the variables the config readers ask a recording environment
 * for (which catches names built at run time, such as weft-db's {@code WEFT_DB_ + key}).
 */
class SettingsCoverageTest {
    /** A string literal shaped like an environment variable, or like a prefix or suffix of one. */
    private static final Pattern VARIABLE_LITERAL = Pattern.compile("\"([A-Z][A-Z0-9]*(?:_[A-Z0-9]*)*)\"");
    /** A file that reads the environment or system properties. */
    private static final Pattern READS_SETTINGS = Pattern.compile("getenv\\(|getProperty\\(|\\benv\\b");
    private static final Pattern PROPERTY_READ = Pattern.compile("System\\.getProperty\\(\\s*\"([^\"]+)\"");
    /** Upper-case literals in files that read settings which are not variable names, each with its reason. */
    private static final Map<String, String> NOT_VARIABLES = Map.of(
            "INFO", "a log level (WEFT_ACCESS_LOG's default level)",
            "OFF", "a log level (WEFT_ACCESS_LOG's default)",
            "SECONDS", "a picocli parameter label (serve --db-wait SECONDS)");
    /** System properties of the JVM itself, which are not weft settings. */
    private static final Set<String> JVM_PROPERTIES = Set.of("user.home", "java.vendor", "java.vm.name",
            "java.version", "java.io.tmpdir", "os.name", "os.arch");

    @Test
    void everyVariableNamedInTheSourcesIsInTheRegistry() {
        Map<String, String> unknown = new TreeMap<>();
        sourceFiles().forEach((file, text) -> {
            if (!READS_SETTINGS.matcher(text).find()) {
                return;
            }
            Matcher literal = VARIABLE_LITERAL.matcher(text);
            while (literal.find()) {
                String name = literal.group(1);
                if (name.length() >= 3 && !known(name) && !NOT_VARIABLES.containsKey(name)) {
                    unknown.put(name, file);
                }
            }
            Matcher property = PROPERTY_READ.matcher(text);
            while (property.find()) {
                String name = property.group(1);
                if (!JVM_PROPERTIES.contains(name) && registeredProperties().noneMatch(name::equals)) {
                    unknown.put(name, file);
                }
            }
        });

        assertThat(unknown).as("settings read in code but missing from dev.weft.service.settings.Settings (add "
                + "them there, then regenerate docs/CONFIGURATION.md)").isEmpty();
    }

    @Test
    void everyVariableTheConfigReadersAskForIsInTheRegistry() {
        Set<String> asked = askedFor();

        assertThat(asked.stream().filter(name -> Settings.byVariable(name).isEmpty()).toList())
                .as("variables read at run time but missing from the registry").isEmpty();
    }

    @Test
    void everyVariableInTheRegistryIsReadSomewhere() throws IOException {
        Set<String> read = new TreeSet<>(askedFor());
        sourceFiles().values().forEach(text -> {
            Matcher literal = VARIABLE_LITERAL.matcher(text);
            while (literal.find()) {
                read.add(literal.group(1));
            }
        });
        String launcher = Files.readString(Repository.root().resolve("bin/weft"), StandardCharsets.UTF_8);

        List<String> unread = Settings.all().stream().flatMap(setting -> setting.variables().stream())
                .filter(name -> !read.contains(name) && !launcher.contains(name)).toList();

        assertThat(unread).as("variables the registry lists but no code reads (stale docs?)").isEmpty();
    }

    @Test
    void documentedRangesAreTheOnesTheServiceAccepts() {
        for (Setting setting : Settings.all()) {
            if (!readByTheService(setting)) {
                continue;
            }
            String variable = setting.name();
            if (setting.min() != null) {
                long min = setting.min();
                readAll(with(variable, shown(setting, min)));
                assertThatThrownBy(() -> readAll(with(variable, shown(setting, min - 1))))
                        .as(variable).isInstanceOf(InvalidConfigException.class).hasMessageContaining(variable);
            }
            if (setting.max() != null) {
                long max = setting.max();
                readAll(with(variable, shown(setting, max)));
                assertThatThrownBy(() -> readAll(with(variable, shown(setting, max + 1))))
                        .as(variable).isInstanceOf(InvalidConfigException.class).hasMessageContaining(variable);
            }
        }
    }

    @Test
    void anUnknownChoiceStopsTheStartNamingTheVariable() {
        for (Setting setting : List.of(Settings.LOG_LEVEL, Settings.ACCESS_LOG, Settings.LOG_FORMAT)) {
            assertThatThrownBy(() -> readAll(Map.of(setting.name(), "loud"))).as(setting.name())
                    .isInstanceOf(InvalidConfigException.class).hasMessageContaining(setting.name());
        }
    }

    /** @return the environment with one variable set, and what its documented rule needs of the others */
    private static Map<String, String> with(String variable, String value) {
        Map<String, String> env = new HashMap<>(Map.of(variable, value));
        if (variable.equals(Settings.JOBS_LEASE.name())) {
            // the lease must also exceed the poll interval (500 ms by default)
            env.put(Settings.JOBS_POLL.name(), "10");
        }
        return env;
    }

    /** The groups {@link #readAll} reads through the registry. */
    private static boolean readByTheService(Setting setting) {
        return (setting.group() == SettingGroup.SERVER || setting.group() == SettingGroup.JOBS
                || setting.group() == SettingGroup.PROVIDER) && setting.env() != null;
    }

    private static String shown(Setting setting, long value) {
        return setting.type() == SettingType.SECONDS ? String.valueOf(value / 1000.0) : String.valueOf(value);
    }

    /** Everything {@code weft serve} reads from the environment on its way to start, with the local provider. */
    private static void readAll(Map<String, String> variables) {
        // as Settings.environment() does for the process environment
        Map<String, String> env = ConfigFile.under(variables);
        ServiceConfig config = ServiceConfig.fromEnv(env);
        JobsConfig.fromEnv(config.workers(), env);
        dev.weft.service.events.EventsConfig.fromEnv(env);
        try (VideoProvider provider = Providers.fromConfig(null, null, env, new SimpleMeterRegistry(),
                Clock.systemUTC())) {
            assertThat(provider).isNotNull();
        } catch (Exception e) {
            throw e instanceof RuntimeException runtime ? runtime : new IllegalStateException(e);
        }
    }

    /** The variables every config reader asks for, each run with a recording environment. */
    private static Set<String> askedFor() {
        Set<String> asked = new TreeSet<>();
        readAll(new Recording(Map.of(), asked));
        ServiceConfig.fromEnv(new Recording(Map.of("DATABASE_TYPE", "postgresql", "DATABASE_NAME", "app"), asked));
        ServiceConfig.fromEnv(new Recording(Map.of("DATABASE_URL", "postgresql://127.0.0.1/app"), asked));
        ApiConfig.fromEnv("provider", new Recording(Map.of("WEFT_HTTP_PROVIDER_BASE_URL", "http://127.0.0.1:1"),
                asked));
        RedisConfig.fromEnv(new Recording(Map.of("REDIS_URL", "redis://127.0.0.1:6379"), asked));
        Tracing.fromEnvironment(new Recording(Map.of(), asked), new Properties()).close();
        LoggerContext context = new LoggerContext();
        LogConfigurator.apply(context, name -> {
            asked.add(name);
            return null;
        });
        context.stop();
        return asked;
    }

    private static boolean known(String literal) {
        if (Settings.byVariable(literal).isPresent()) {
            return true;
        }
        return Settings.all().stream().flatMap(setting -> setting.variables().stream())
                .anyMatch(name -> literal.endsWith("_") ? name.startsWith(literal) : name.endsWith("_" + literal));
    }

    private static Stream<String> registeredProperties() {
        return Settings.all().stream().map(Setting::property).filter(java.util.Objects::nonNull);
    }

    /** @return every main source file of every module (path → text), the registry itself left out */
    private static Map<String, String> sourceFiles() {
        Map<String, String> files = new TreeMap<>();
        Path root = Repository.root();
        try (Stream<Path> modules = Files.list(root)) {
            // weft-bench is the benchmarks' harness (its -Dweft.bench.* properties are in docs/BENCHMARKS.md), not
            // something users run
            for (Path module : modules.filter(dir -> dir.getFileName().toString().startsWith("weft-")
                    && !dir.getFileName().toString().equals("weft-bench")).toList()) {
                Path sources = module.resolve("src/main/java");
                if (!Files.isDirectory(sources)) {
                    continue;
                }
                try (Stream<Path> walk = Files.walk(sources)) {
                    for (Path file : walk.filter(path -> path.toString().endsWith(".java")).toList()) {
                        if (!file.toString().contains("/dev/weft/service/settings/")) {
                            files.put(root.relativize(file).toString(), Files.readString(file));
                        }
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        assertThat(files).as("main sources found under " + root).hasSizeGreaterThan(100);
        return files;
    }

    /** An environment that notes every name it is asked for. */
    private static final class Recording extends AbstractMap<String, String> {
        private final Map<String, String> values;
        private final Set<String> asked;

        Recording(Map<String, String> values, Set<String> asked) {
            this.values = new HashMap<>(values);
            this.asked = asked;
        }

        @Override
        public @Nullable String get(Object key) {
            asked.add(String.valueOf(key));
            return values.get(key);
        }

        @Override
        public boolean containsKey(Object key) {
            asked.add(String.valueOf(key));
            return values.containsKey(key);
        }

        @Override
        public String getOrDefault(Object key, String fallback) {
            asked.add(String.valueOf(key));
            return values.getOrDefault(key, fallback);
        }

        @Override
        public Set<Entry<String, String>> entrySet() {
            return values.entrySet();
        }
    }
}
