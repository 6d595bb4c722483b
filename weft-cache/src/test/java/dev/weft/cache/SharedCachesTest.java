package dev.weft.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.core.InvalidConfigException;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Without weft-cache-redis on the classpath (this module's tests do not have it), asking for Redis by URL fails at
 * once with the artifact to add, and never echoes the password.
 */
class SharedCachesTest {
    @Test
    void aRedisUrlWithoutTheRedisModuleNamesTheArtifactToAdd() {
        assertThatThrownBy(() -> SharedCaches.connect("redis://:hunter2@cache.example:6379/0"))
                .isInstanceOfSatisfying(InvalidConfigException.class, e -> {
                    assertThat(e.getMessage()).contains("dev.weft:weft-cache-redis").contains("redis://")
                            .doesNotContain("hunter2").doesNotContain("cache.example");
                    assertThat(e.setting()).isEqualTo("weft.cache.redis.url");
                });
    }

    @Test
    void redisUrlFromTheEnvironmentWithoutTheRedisModuleNamesTheArtifactToo() {
        assertThatThrownBy(() -> SharedCaches.fromEnv(Map.of("REDIS_URL", "rediss://user:pw@host:6380")))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("REDIS_URL")
                .hasMessageContaining("dev.weft:weft-cache-redis")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("pw@"));
    }

    @Test
    void noUrlInTheEnvironmentMeansNoSharedCaches() {
        assertThat(SharedCaches.fromEnv(Map.of("HOME", "/root"))).isEmpty();
        assertThat(SharedCaches.fromEnv(Map.of("REDIS_URL", " "))).isEmpty();
    }

    @Test
    void anUnknownSchemeSaysNoProviderAcceptsIt() {
        assertThatThrownBy(() -> SharedCaches.connect("memcached://host:11211"))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("'memcached'");
    }
}
