package dev.weft.service.settings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.core.InvalidConfigException;
import dev.weft.service.ServiceConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The settings file sits under the environment, which sits under the flags; it refuses what it cannot set. */
class ConfigFileTest {
    @TempDir
    Path dir;

    private Map<String, String> env(String fileText, Map<String, String> variables) throws IOException {
        Path file = Files.writeString(dir.resolve("weft.properties"), fileText);
        Map<String, String> env = new java.util.HashMap<>(variables);
        env.put("WEFT_CONFIG_FILE", file.toString());
        return env;
    }

    @Test
    void fileSetsWhatTheEnvironmentLeavesUnsetByVariableOrKey() throws IOException {
        Map<String, String> env = env("WEFT_PORT=9090\nweft.rate-limit=50\n# a comment\n", Map.of());

        ServiceConfig config = ServiceConfig.fromEnv(ConfigFile.under(env));

        assertThat(config.port()).isEqualTo(9090);
        assertThat(config.rateLimit()).isEqualTo(50);
    }

    @Test
    void environmentWinsOverTheFileUnderAnyOfItsNamesAndFlagsWinOverBoth() throws IOException {
        Map<String, String> env = env("WEFT_PORT=9090\nweft.cache.redis.url=redis://file:6379\n",
                Map.of("WEFT_PORT", "7070", "REDIS_URL", "redis://env:6379"));

        ServiceConfig config = ServiceConfig.fromEnv(ConfigFile.under(env));

        assertThat(config.port()).isEqualTo(7070);
        assertThat(config.redisUrl()).isEqualTo("redis://env:6379");
        assertThat(config.withPort(6060).port()).isEqualTo(6060);
    }

    @Test
    void aVariableSetButBlankLeavesTheFilesValue() throws IOException {
        Map<String, String> env = env("WEFT_PORT=9090\nweft.cache.redis.url=redis://file:6379\n",
                Map.of("WEFT_PORT", "", "REDIS_URL", "  ", "WEFT_CACHE_REDIS_URL", ""));

        ServiceConfig config = ServiceConfig.fromEnv(ConfigFile.under(env));

        assertThat(config.port()).isEqualTo(9090);
        assertThat(config.redisUrl()).isEqualTo("redis://file:6379");
    }

    @Test
    void anUnknownNameStopsTheStartNamingIt() throws IOException {
        Map<String, String> env = env("WEFT_PROT=9090\n", Map.of());

        assertThatThrownBy(() -> ConfigFile.under(env)).isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("WEFT_CONFIG_FILE").hasMessageContaining("'WEFT_PROT', which is no setting");
    }

    @Test
    void settingsReadBeforeTheFileAreRefused() throws IOException {
        Map<String, String> env = env("WEFT_LOG_LEVEL=debug\n", Map.of());

        assertThatThrownBy(() -> ConfigFile.under(env)).isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("set it in the environment");
    }

    @Test
    void aMissingFileStopsTheStart() {
        Map<String, String> env = Map.of("WEFT_CONFIG_FILE", dir.resolve("absent.properties").toString());

        assertThatThrownBy(() -> ConfigFile.under(env)).isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("does not exist");
    }

    @Test
    void withoutAFileTheEnvironmentIsUsedAsItIs() {
        Map<String, String> env = Map.of("WEFT_PORT", "1");

        assertThat(ConfigFile.under(env)).isSameAs(env);
    }
}
