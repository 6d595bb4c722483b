package dev.weft.bench;

import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import dev.weft.cache.Cache;
import dev.weft.cache.LocalCache;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * A local cache hit: weft's {@link LocalCache} against Caffeine used directly, configured alike (size bound,
 * per-entry expiry, hit/miss counting) and holding the same 1,000 entries; and weft's hit on 100,000 entries each
 * with a tag of its own, as the service's caches keep them (profiles tagged by user), where a hit must also know that
 * no tag of the entry was invalidated since. Keys are picked at random from pre-built strings so no allocation happens
 * outside the caches.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Threads(2)
@Fork(1)
@Warmup(iterations = 3, time = 3)
@Measurement(iterations = 5, time = 3)
public class LocalCacheHitBenchmark {
    static final int KEYS = 1_000;

    /** A cached value, as an application would keep one. */
    public record Profile(long id, String email, long credits) {
    }

    /** Both caches, filled with the same entries. */
    @State(Scope.Benchmark)
    public static class Caches {
        final String[] keys = new String[KEYS];
        Cache weft;
        com.github.benmanes.caffeine.cache.Cache<String, Profile> caffeine;

        @Setup
        public void fill() {
            weft = LocalCache.create("bench", 10_000);
            caffeine = Caffeine.newBuilder().maximumSize(10_000).recordStats()
                    .expireAfter(Expiry.<String, Profile>creating((key, value) -> Duration.ofMinutes(10)))
                    .build();
            for (int i = 0; i < KEYS; i++) {
                keys[i] = "user_profile:" + i;
                Profile profile = new Profile(i, "user" + i + "@example.com", i * 10L);
                weft.put(keys[i], profile, Duration.ofMinutes(10));
                caffeine.put(keys[i], profile);
            }
        }

        String key() {
            return keys[ThreadLocalRandom.current().nextInt(KEYS)];
        }
    }

    /** weft's cache with 100,000 tagged entries. */
    @State(Scope.Benchmark)
    public static class TaggedCache {
        static final int TAGGED_KEYS = 100_000;
        final String[] keys = new String[TAGGED_KEYS];
        Cache weft;

        @Setup
        public void fill() {
            weft = LocalCache.create("bench-tagged", TAGGED_KEYS);
            for (int i = 0; i < TAGGED_KEYS; i++) {
                keys[i] = "profile:" + i;
                weft.put(keys[i], new Profile(i, "user" + i + "@example.com", i * 10L), Duration.ofMinutes(10),
                        Set.of("user:" + i));
            }
            weft.invalidateTag("user:none"); // a write happened since the entries were stored, as in a live service
        }

        String key() {
            return keys[ThreadLocalRandom.current().nextInt(TAGGED_KEYS)];
        }
    }

    /** @return a hit through weft on a tagged entry */
    @Benchmark
    public Profile weftTagged(TaggedCache cache) {
        return cache.weft.get(cache.key(), Profile.class).orElseThrow();
    }

    /** @return a hit through weft */
    @Benchmark
    public Profile weft(Caches caches) {
        return caches.weft.get(caches.key(), Profile.class).orElseThrow();
    }

    /** @return a hit through Caffeine */
    @Benchmark
    public Profile caffeine(Caches caches) {
        Profile profile = caches.caffeine.getIfPresent(caches.key());
        if (profile == null) {
            throw new IllegalStateException("miss");
        }
        return profile;
    }
}
