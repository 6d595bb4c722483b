package dev.weft.cache.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.cache.Cache;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * A loader whose caller is cancelled (its thread interrupted) while it loads: the lease is released and the value
 * written all the same. RedisLink answers a read on an interrupted thread without asking Redis, and when the release
 * went that way the lease stayed for its whole time (10 s), stalling every instance's load of the key.
 */
class CancelledLoaderTest {
    @Test
    void aLoaderCancelledMidLoadReleasesItsLeaseAndWritesItsValue() throws Exception {
        try (TestRedis redis = TestRedis.shared();
                RedisCaches a = RedisCaches.connect(redis.config());
                RedisCaches b = RedisCaches.connect(redis.config())) {
            Cache first = a.cache("cancelled");
            Cache second = b.cache("cancelled");
            AtomicReference<String> loaded = new AtomicReference<>();
            AtomicBoolean stillInterrupted = new AtomicBoolean();
            Thread caller = Thread.ofVirtual().start(() -> {
                loaded.set(first.getOrLoad("k", String.class, Duration.ofMinutes(1), () -> {
                    Thread.currentThread().interrupt(); // the request was cancelled while loading
                    return "v";
                }));
                stillInterrupted.set(Thread.currentThread().isInterrupted());
            });
            caller.join();

            assertThat(loaded).hasValue("v");
            assertThat(stillInterrupted).as("the caller's interrupt is kept").isTrue();
            assertThat(redis.keys()).noneMatch(key -> key.contains(".lease:"));
            // written, so the other instance reads it instead of waiting out a lease and loading again
            assertThat(second.getOrLoad("k", String.class, Duration.ofMinutes(1), () -> "w")).isEqualTo("v");
            assertThat(first.stats().droppedWrites()).isZero();
        }
    }
}
