package dev.weft.cache.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.cache.Cache;
import dev.weft.cache.SharedCaches;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** With this module on the classpath, a Redis URL opens Redis caches through weft-cache's ServiceLoader lookup. */
class RedisCacheProviderTest {
    private static final String REDIS = "redis://127.0.0.1:6379/0";

    @Test
    void aRedisUrlOpensRedisCaches() {
        try (SharedCaches shared = SharedCaches.connect(REDIS)) {
            Cache cache = shared.cache("provider" + UUID.randomUUID().toString().substring(0, 8));
            cache.put("a", "value", Duration.ofMinutes(1));

            assertThat(shared).isInstanceOf(RedisCaches.class);
            assertThat(cache.get("a", String.class)).contains("value");
        }
    }

    @Test
    void theEnvironmentNamesUrlAndNamespace() {
        String namespace = "prov" + UUID.randomUUID().toString().substring(0, 8);
        try (SharedCaches shared = SharedCaches.fromEnv(Map.of("REDIS_URL", REDIS, "WEFT_CACHE_NAMESPACE", namespace))
                .orElseThrow()) {
            assertThat(((RedisCaches) shared).config().namespace()).isEqualTo(namespace);
        }
    }
}
