package dev.weft.cache.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.cache.Cache;
import dev.weft.cache.CacheException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/** The one check of a loader that asks its own cache for its own key, for the Redis and the tiered cache. */
final class RecursiveLoad {
    private RecursiveLoad() {
    }

    /**
     * Asserts that a getOrLoad of {@code key} from inside its own loader fails at once (well within the 30 s load
     * wait it used to spend on its own lease), naming the cache and the key, and leaves the key loadable.
     *
     * @param cache the cache
     * @param key the key
     * @param value a value of the key's type
     */
    static <T> void failsAtOnce(Cache cache, String key, T value) {
        @SuppressWarnings("unchecked")
        Class<T> type = (Class<T>) value.getClass();
        AtomicInteger runs = new AtomicInteger();

        long start = System.nanoTime();
        assertThatThrownBy(() -> cache.getOrLoad(key, type, Duration.ofMinutes(1), () -> {
            runs.incrementAndGet();
            return cache.getOrLoad(key, type, Duration.ofMinutes(1), () -> value);
        })).isInstanceOfSatisfying(CacheException.class,
                failure -> assertThat(failure.code()).isEqualTo("cache_recursive_load"))
                .hasMessageContaining("'" + cache.name() + "'").hasMessageContaining("(" + key.length() + " characters)")
                .hasMessageNotContaining(key);
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        assertThat(took).isLessThan(Duration.ofSeconds(5));
        assertThat(runs).hasValue(1);
        assertThat(cache.getOrLoad(key, type, Duration.ofMinutes(1), () -> value)).isEqualTo(value);
    }
}
