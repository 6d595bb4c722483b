package dev.weft.cache.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.weft.core.InvalidConfigException;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RedisConfigTest {
    @ParameterizedTest
    @ValueSource(strings = {
        "redis://127.0.0.1:6379",
        "redis://127.0.0.1:6379/3",
        "redis://:s3cret@127.0.0.1:6379/0",
        "redis://user:s3cret@127.0.0.1",
        "rediss://user:s3cret@cache.example.com:6380/1",
        "redis-sentinel://s3cret@127.0.0.1:26379,127.0.0.1:26380/0#mymaster",
    })
    void acceptsTheRedisUrlForms(String url) {
        RedisConfig config = RedisConfig.of(url);

        assertThat(config.url().reveal()).isEqualTo(url);
        assertThat(config.toString()).doesNotContain("s3cret");
        assertThat(config.redactedUrl()).doesNotContain("s3cret");
    }

    @Test
    void readsRedisUrlAndNamespaceFromTheEnvironment() {
        RedisConfig config = RedisConfig.fromEnv(Map.of("REDIS_URL", "redis://:pw@127.0.0.1:6379/2",
                "WEFT_CACHE_NAMESPACE", "svc")).orElseThrow();

        assertThat(config.namespace()).isEqualTo("svc");
        assertThat(RedisConfig.fromEnv(Map.of())).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"http://127.0.0.1:6379", "127.0.0.1:6379", "redis://s3cret@"})
    void refusesOtherUrlsNamingTheSettingAndHidingThePassword(String url) {
        InvalidConfigException error = catchThrowableOfType(InvalidConfigException.class, () -> RedisConfig.of(url));

        assertThat(error.setting()).contains("REDIS_URL");
        assertThat(error.getMessage()).doesNotContain("s3cret");
    }

    @Test
    void refusesANamespaceOutsideItsPattern() {
        InvalidConfigException error = catchThrowableOfType(InvalidConfigException.class,
                () -> RedisConfig.of("redis://127.0.0.1").withNamespace("a:b"));

        assertThat(error.setting()).isEqualTo("weft.cache.namespace");
    }

    @Test
    void aRefusedNamespaceIsToldTheRuleItBreaks() {
        InvalidConfigException error = catchThrowableOfType(InvalidConfigException.class,
                () -> RedisConfig.of("redis://127.0.0.1").withNamespace("MyApp"));

        // before: "must match [A-Za-z0-9_-]{1,64}", which MyApp does
        assertThat(error.getMessage()).contains("lower-case").doesNotContain("A-Z");
    }

    @Test
    void refusesANegativeInvalidationWaitAndAcceptsZeroForOneAttempt() {
        RedisConfig config = RedisConfig.of("redis://127.0.0.1");

        InvalidConfigException error = catchThrowableOfType(InvalidConfigException.class,
                () -> config.withInvalidationWait(java.time.Duration.ofMillis(-1)));

        assertThat(error.setting()).isEqualTo("weft.cache.redis.invalidation-wait");
        assertThat(config.invalidationWait()).isEqualTo(RedisConfig.DEFAULT_INVALIDATION_WAIT);
        assertThat(config.withInvalidationWait(java.time.Duration.ZERO).invalidationWait()).isZero();
    }
}
