package dev.weft.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import dev.weft.cache.spi.CaffeineTier;
import dev.weft.core.InvalidInputException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The local tier (Caffeine) on a fake ticker: no test waits for time to pass. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class LocalCacheTest {
    record User(long id, String name, List<String> roles) {
    }

    private static final Duration MINUTE = Duration.ofMinutes(1);
    private static final User ADA = new User(1, "Ada", List.of("admin"));
    private static final User BOB = new User(2, "Bob", List.of());

    private final AtomicLong nanos = new AtomicLong();
    private final CaffeineTier cache = CaffeineTier.create("users", 1_000, nanos::get);

    private void advance(Duration duration) {
        nanos.addAndGet(duration.toNanos());
    }

    @Test
    void returnsTheRecordThatWasPut() {
        cache.put("user:1", ADA, MINUTE);

        Optional<User> found = cache.get("user:1", User.class);

        assertThat(found).contains(ADA);
        assertThat(cache.get("user:1", new TypeRef<User>() { })).contains(ADA);
        assertThat(cache.get("user:2", User.class)).isEmpty();
    }

    @Test
    void eachEntryExpiresAfterItsOwnTtl() {
        cache.put("short", ADA, Duration.ofSeconds(10));
        cache.put("long", BOB, Duration.ofSeconds(60));

        advance(Duration.ofSeconds(10).minusNanos(1));
        assertThat(cache.get("short", User.class)).contains(ADA);

        advance(Duration.ofNanos(1));
        assertThat(cache.get("short", User.class)).isEmpty();
        assertThat(cache.get("long", User.class)).contains(BOB);

        advance(Duration.ofSeconds(50));
        assertThat(cache.get("long", User.class)).isEmpty();
    }

    @Test
    void expiredEntriesAreNotCountedAsEvictionsForSize() {
        cache.put("a", ADA, Duration.ofSeconds(1));
        cache.put("b", BOB, Duration.ofSeconds(1));

        advance(Duration.ofSeconds(2));
        cache.cleanUp();

        // CacheStats.evictions: "entries dropped for size"
        assertThat(cache.stats().size()).isZero();
        assertThat(cache.stats().evictions()).isZero();
    }

    @Test
    void theSizeBoundEvictsAndCountsEvictions() {
        CaffeineTier small = CaffeineTier.create("small", 10, nanos::get);

        for (int i = 0; i < 50; i++) {
            small.put("k" + i, i, MINUTE);
        }
        small.cleanUp();

        assertThat(small.stats().size()).isEqualTo(10);
        assertThat(small.stats().evictions()).isEqualTo(40);
    }

    @Test
    void aCacheMaintainsItselfOnTheThreadThatWroteNotLaterOnAPool() {
        Cache small = LocalCache.create("small", 10);

        for (int i = 0; i < 50; i++) {
            small.put("k" + i, i, MINUTE);
        }

        // no cleanUp(): each write's maintenance ran before put returned (none waits for a common-pool worker)
        assertThat(small.stats().size()).isEqualTo(10);
        assertThat(small.stats().evictions()).isEqualTo(40);
    }

    @Test
    @Timeout(value = 20, unit = TimeUnit.SECONDS)
    void getOrLoadFromAHundredVirtualThreadsRunsTheLoaderOnce() throws Exception {
        int callers = 100;
        CountDownLatch started = new CountDownLatch(callers);
        AtomicInteger runs = new AtomicInteger();
        List<Future<User>> results = new ArrayList<>();

        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < callers; i++) {
                results.add(threads.submit(() -> {
                    started.countDown();
                    return cache.getOrLoad("user:1", User.class, MINUTE, () -> {
                        runs.incrementAndGet();
                        awaitLatch(started); // every caller has started before the load can finish
                        return ADA;
                    });
                }));
            }
        }

        assertThat(runs).hasValue(1);
        for (Future<User> result : results) {
            assertThat(result.get()).isEqualTo(ADA);
        }
        assertThat(cache.stats().loads()).isEqualTo(1);
    }

    @Test
    @Timeout(value = 20, unit = TimeUnit.SECONDS)
    void aLoaderExceptionReachesEveryWaiterAndCachesNothing() throws Exception {
        cache.getOrLoad("warm-up", String.class, MINUTE, () -> "x"); // classes loaded before threads contend
        int callers = 100;
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger runs = new AtomicInteger();
        IllegalStateException failure = new IllegalStateException("database down");
        List<AtomicReference<Throwable>> outcomes = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();

        for (int i = 0; i < callers; i++) {
            AtomicReference<Throwable> outcome = new AtomicReference<>();
            outcomes.add(outcome);
            threads.add(Thread.ofVirtual().start(() -> {
                try {
                    cache.getOrLoad("user:1", User.class, MINUTE, () -> {
                        runs.incrementAndGet();
                        awaitLatch(release);
                        throw failure;
                    });
                } catch (Throwable e) {
                    outcome.set(e);
                }
            }));
        }
        // the loader runs and the 99 others wait for it; then it may fail
        await("all callers parked on the one load").atMost(Duration.ofSeconds(10))
                .until(() -> threads.stream().allMatch(thread -> thread.getState() == Thread.State.WAITING
                        || thread.getState() == Thread.State.TIMED_WAITING));
        release.countDown();
        for (Thread thread : threads) {
            assertThat(thread.join(Duration.ofSeconds(10))).isTrue();
        }

        assertThat(runs).hasValue(1);
        assertThat(outcomes).allSatisfy(outcome -> assertThat(outcome.get()).isSameAs(failure));
        assertThat(cache.get("user:1", User.class)).isEmpty();
        assertThat(cache.stats().loadFailures()).isEqualTo(1);
    }

    @Test
    void aLoaderAskingForItsOwnKeyFailsAtOnceNamingTheCacheButNotTheKey() {
        AtomicInteger runs = new AtomicInteger();

        assertThatThrownBy(() -> cache.getOrLoad("user:1", User.class, MINUTE, () -> {
            runs.incrementAndGet();
            return cache.getOrLoad("user:1", User.class, MINUTE, () -> BOB);
        })).isInstanceOfSatisfying(CacheException.class,
                failure -> assertThat(failure.code()).isEqualTo("cache_recursive_load"))
                .hasMessageContaining("'users'").hasMessageContaining("(6 characters)").hasMessageNotContaining("user:1");

        assertThat(runs).hasValue(1);
        assertThat(cache.get("user:1", User.class)).isEmpty();
        assertThat(cache.getOrLoad("user:1", User.class, MINUTE, () -> ADA)).isEqualTo(ADA);
    }

    @Test
    void aLoaderMayLoadAnotherKeyOfTheSameCache() {
        User loaded = cache.getOrLoad("user:1", User.class, MINUTE,
                () -> cache.getOrLoad("user:2", User.class, MINUTE, () -> BOB));

        assertThat(loaded).isEqualTo(BOB);
        assertThat(cache.get("user:2", User.class)).contains(BOB);
    }

    @Test
    void aNullResultIsReturnedAndNotCached() {
        AtomicInteger runs = new AtomicInteger();

        User first = cache.getOrLoad("user:9", User.class, MINUTE, () -> {
            runs.incrementAndGet();
            return null;
        });
        User second = cache.getOrLoad("user:9", User.class, MINUTE, () -> {
            runs.incrementAndGet();
            return null;
        });

        assertThat(first).isNull();
        assertThat(second).isNull();
        assertThat(runs).hasValue(2);
        assertThat(cache.get("user:9", User.class)).isEmpty();
        assertThat(cache.stats().size()).isZero();
    }

    @Test
    void invalidateTagMakesTaggedEntriesMissAndLeavesUntaggedOnes() {
        cache.put("user:1", ADA, MINUTE, Set.of("team:7"));
        cache.put("user:2", BOB, MINUTE, Set.of("team:7", "org:1"));
        cache.put("user:3", ADA, MINUTE, Set.of("team:8"));
        cache.put("user:4", BOB, MINUTE);

        cache.invalidateTag("team:7");

        assertThat(cache.get("user:1", User.class)).isEmpty();
        assertThat(cache.get("user:2", User.class)).isEmpty();
        assertThat(cache.get("user:3", User.class)).contains(ADA);
        assertThat(cache.get("user:4", User.class)).contains(BOB);
    }

    @Test
    void anEntryPutAfterItsTagWasInvalidatedIsServed() {
        cache.invalidateTag("team:7");

        cache.put("user:1", ADA, MINUTE, Set.of("team:7"));

        assertThat(cache.get("user:1", User.class)).contains(ADA);
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void aLoadRacingWithInvalidateTagLeavesNoServableEntry() throws Exception {
        CountDownLatch loading = new CountDownLatch(1);
        CountDownLatch invalidated = new CountDownLatch(1);
        AtomicReference<User> loaded = new AtomicReference<>();
        Thread loader = Thread.ofVirtual().start(() -> loaded.set(cache.getOrLoad("user:1", TypeRef.of(User.class),
                MINUTE, Set.of("team:7"), () -> {
                    loading.countDown();
                    awaitLatch(invalidated); // the value was read from the source before the invalidation
                    return ADA;
                })));
        assertThat(loading.await(5, TimeUnit.SECONDS)).isTrue();

        cache.invalidateTag("team:7");
        invalidated.countDown();
        assertThat(loader.join(Duration.ofSeconds(5))).isTrue();

        assertThat(loaded.get()).isEqualTo(ADA);
        assertThat(cache.get("user:1", User.class)).isEmpty();
    }

    /**
     * Runs a load of {@code user:1} whose loader reads ADA (the source's value then), lets {@code write} run while the
     * loader holds that value, and returns once the load has finished.
     */
    private void loadRacingWith(Runnable write) throws Exception {
        CountDownLatch loading = new CountDownLatch(1);
        CountDownLatch written = new CountDownLatch(1);
        AtomicReference<User> loaded = new AtomicReference<>();
        Thread loader = Thread.ofVirtual().start(() -> loaded.set(cache.getOrLoad("user:1", User.class, MINUTE, () -> {
            loading.countDown();
            awaitLatch(written); // the value was read from the source before the write
            return ADA;
        })));
        assertThat(loading.await(5, TimeUnit.SECONDS)).isTrue();

        write.run();
        written.countDown();
        assertThat(loader.join(Duration.ofSeconds(5))).isTrue();
        assertThat(loaded.get()).isEqualTo(ADA);
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void aLoadRacingWithInvalidateOfItsKeyStoresNothing() throws Exception {
        loadRacingWith(() -> cache.invalidate("user:1"));

        // before the fix the load stored ADA after the invalidation: served until its TTL ran out
        assertThat(cache.get("user:1", User.class)).isEmpty();
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void aLoadRacingWithAPutOfItsKeyLeavesThePutValue() throws Exception {
        loadRacingWith(() -> cache.put("user:1", BOB, MINUTE));

        assertThat(cache.get("user:1", User.class)).contains(BOB);
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void aLoadRacingWithClearStoresNothing() throws Exception {
        loadRacingWith(cache::clear);

        assertThat(cache.get("user:1", User.class)).isEmpty();
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void aLoadRacingWithInvalidateOfAnotherKeyIsStored() throws Exception {
        loadRacingWith(() -> cache.invalidate("user:2"));

        assertThat(cache.get("user:1", User.class)).contains(ADA);
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void aPatternInvalidationReachesATagWhoseFirstLoadIsStillRunning() throws Exception {
        CountDownLatch loading = new CountDownLatch(1);
        CountDownLatch invalidated = new CountDownLatch(1);
        Thread loader = Thread.ofVirtual().start(() -> cache.getOrLoad("user:1", TypeRef.of(User.class), MINUTE,
                Set.of("team:9"), () -> {
                    loading.countDown();
                    awaitLatch(invalidated);
                    return ADA;
                }));
        assertThat(loading.await(5, TimeUnit.SECONDS)).isTrue();

        long matched = cache.invalidateTags("team*");
        invalidated.countDown();
        assertThat(loader.join(Duration.ofSeconds(5))).isTrue();

        assertThat(matched).isEqualTo(1);
        assertThat(cache.get("user:1", User.class)).isEmpty();
    }

    @Test
    void anEntryServedManyTimesIsRefusedOnceItsTagIsInvalidated() {
        cache.put("user:1", ADA, MINUTE, Set.of("team:7"));
        for (int i = 0; i < 3; i++) {
            assertThat(cache.get("user:1", User.class)).contains(ADA);
        }

        cache.invalidateTag("team:7");

        assertThat(cache.get("user:1", User.class)).isEmpty();
        assertThat(cache.get("user:1", User.class)).isEmpty();
    }

    @Test
    void anEntryStaysServedAcrossOtherTagsInvalidationsUntilItsOwnIs() {
        cache.put("user:1", ADA, MINUTE, Set.of("team:7", "org:1"));
        cache.put("user:2", BOB, MINUTE, Set.of("team:8"));

        cache.invalidateTag("team:8");
        assertThat(cache.get("user:1", User.class)).as("another tag's invalidation").contains(ADA);
        assertThat(cache.get("user:1", User.class)).contains(ADA);
        cache.invalidateTags("other*");
        assertThat(cache.get("user:1", User.class)).as("a pattern matching none of its tags").contains(ADA);

        cache.invalidateTag("org:1");

        assertThat(cache.get("user:1", User.class)).as("its second tag's invalidation").isEmpty();
        assertThat(cache.get("user:2", User.class)).isEmpty();
    }

    @Test
    void aPatternInvalidationRefusesEntriesServedBeforeIt() {
        cache.put("user:1", ADA, MINUTE, Set.of("user:1"));
        cache.invalidateTag("unrelated");
        assertThat(cache.get("user:1", User.class)).contains(ADA);

        cache.invalidateTags("user:*");

        assertThat(cache.get("user:1", User.class)).isEmpty();
    }

    @Test
    void anEntryLoadedAfterAnInvalidationIsServedAndRefusedAfterTheNext() {
        cache.invalidateTag("team:7");
        User first = cache.getOrLoad("user:1", TypeRef.of(User.class), MINUTE, Set.of("team:7"), () -> ADA);
        assertThat(first).isEqualTo(ADA);
        assertThat(cache.get("user:1", User.class)).contains(ADA);

        cache.invalidateTag("team:7");

        assertThat(cache.get("user:1", User.class)).isEmpty();
        assertThat(cache.getOrLoad("user:1", TypeRef.of(User.class), MINUTE, Set.of("team:7"), () -> BOB))
                .isEqualTo(BOB);
    }

    @Test
    void invalidateTagsMatchesAGlob() {
        cache.put("user:1", ADA, MINUTE, Set.of("user:1"));
        cache.put("user:2", BOB, MINUTE, Set.of("user:2"));
        cache.put("user:2b", BOB, MINUTE, Set.of("user:2"));
        cache.put("order:1", ADA, MINUTE, Set.of("order:1"));
        cache.put("plain", ADA, MINUTE);

        long matched = cache.invalidateTags("user*");

        assertThat(matched).isEqualTo(2);
        assertThat(cache.get("user:1", User.class)).isEmpty();
        assertThat(cache.get("user:2", User.class)).isEmpty();
        assertThat(cache.get("user:2b", User.class)).isEmpty();
        assertThat(cache.get("order:1", User.class)).contains(ADA);
        assertThat(cache.get("plain", User.class)).contains(ADA);
    }

    @Test
    void invalidateTagsGlobMatchesOneCharacterWithAQuestionMark() {
        cache.put("a", ADA, MINUTE, Set.of("user:1"));
        cache.put("b", BOB, MINUTE, Set.of("user:12"));

        long matched = cache.invalidateTags("user:?");

        assertThat(matched).isEqualTo(1);
        assertThat(cache.get("a", User.class)).isEmpty();
        assertThat(cache.get("b", User.class)).contains(BOB);
    }

    @Test
    void statsCountHitsMissesHitRateAndSize() {
        cache.put("user:1", ADA, MINUTE);
        cache.put("user:2", BOB, MINUTE);

        cache.get("user:1", User.class);
        cache.get("user:1", User.class);
        cache.get("user:2", User.class);
        cache.get("user:3", User.class);

        CacheStats stats = cache.stats();
        assertThat(stats.name()).isEqualTo("users");
        assertThat(stats.tier()).isEqualTo("local");
        assertThat(stats.hits()).isEqualTo(3);
        assertThat(stats.misses()).isEqualTo(1);
        assertThat(stats.hitRate()).isCloseTo(0.75, within(1e-9));
        assertThat(stats.size()).isEqualTo(2);
        assertThat(stats.errors()).isZero();
        assertThat(cache.tierStats()).containsOnlyKeys("local");
    }

    @Test
    void statsCountLoadsLoadFailuresAndLoadTime() {
        cache.getOrLoad("slow", String.class, MINUTE, () -> {
            sleepMillis(30); // stands for the work of a slow loader
            return "done";
        });
        try {
            cache.getOrLoad("failing", String.class, MINUTE, () -> {
                throw new IllegalStateException("source down");
            });
        } catch (IllegalStateException expected) {
            // counted as a load failure
        }

        CacheStats stats = cache.stats();
        assertThat(stats.loads()).isEqualTo(2);
        assertThat(stats.loadFailures()).isEqualTo(1);
        assertThat(stats.loadTime()).isGreaterThanOrEqualTo(Duration.ofMillis(30));
        assertThat(stats.size()).isEqualTo(1);
    }

    /** Throws {@code failure} without declaring it, as Kotlin or Lombok's {@code @SneakyThrows} do. */
    @SuppressWarnings("unchecked")
    private static <E extends Throwable> RuntimeException sneaky(Throwable failure) throws E {
        throw (E) failure;
    }

    @Test
    void aLoaderThrowingAnUndeclaredCheckedExceptionCountsAsALoadFailure() {
        try {
            cache.getOrLoad("failing", String.class, MINUTE, () -> {
                throw LocalCacheTest.<RuntimeException>sneaky(new java.io.IOException("source down"));
            });
        } catch (Exception expected) {
            assertThat(expected).isInstanceOf(java.io.IOException.class);
        }

        // before, only RuntimeException and Error were counted: loads 1, loadFailures 0
        assertThat(cache.stats().loads()).isEqualTo(1);
        assertThat(cache.stats().loadFailures()).isEqualTo(1);
    }

    @Test
    void aColdGetOrLoadCountsOneMissAndAWarmOneOneHit() {
        cache.getOrLoad("user:1", User.class, MINUTE, () -> ADA);
        cache.getOrLoad("user:1", User.class, MINUTE, () -> ADA);

        CacheStats stats = cache.stats();
        assertThat(stats.misses()).as("one read that missed").isEqualTo(1);
        assertThat(stats.hits()).isEqualTo(1);
        assertThat(stats.loads()).isEqualTo(1);
    }

    // --- bad input: each refused with its code, and nothing stored

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 4})
    void aKeyOver512BytesIsRefused(int bytesPerCharacter) {
        String key = keyOfBytes(513, bytesPerCharacter);

        assertThatThrownBy(() -> cache.put(key, ADA, MINUTE))
                .isInstanceOfSatisfying(InvalidInputException.class,
                        e -> assertThat(e.code()).isEqualTo("invalid_cache_key"));

        assertThat(cache.stats().size()).isZero();
        assertThat(cache.get(key, User.class)).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 4})
    void aKeyOfExactly512BytesIsAccepted(int bytesPerCharacter) {
        String key = keyOfBytes(512, bytesPerCharacter);

        cache.put(key, ADA, MINUTE);

        assertThat(cache.get(key, User.class)).contains(ADA);
    }

    @ParameterizedTest
    @ValueSource(strings = {"a\nb", "a\u0000b", "a\u007fb", "a\rb", "a\tb", "a\u0085b"})
    void aKeyWithAControlCharacterIsRefused(String key) {
        assertThatThrownBy(() -> cache.put(key, ADA, MINUTE))
                .isInstanceOfSatisfying(InvalidInputException.class,
                        e -> assertThat(e.code()).isEqualTo("invalid_cache_key"));

        assertThat(cache.stats().size()).isZero();
    }

    @Test
    void anEmptyKeyIsRefused() {
        assertThatThrownBy(() -> cache.put("", ADA, MINUTE))
                .isInstanceOfSatisfying(InvalidInputException.class,
                        e -> assertThat(e.code()).isEqualTo("invalid_cache_key"));

        assertThat(cache.stats().size()).isZero();
    }

    @ParameterizedTest
    @ValueSource(longs = {0, -1, -60_000})
    void aTtlThatIsNotPositiveIsRefused(long millis) {
        Duration ttl = Duration.ofMillis(millis);

        assertThatThrownBy(() -> cache.put("user:1", ADA, ttl))
                .isInstanceOfSatisfying(InvalidInputException.class,
                        e -> assertThat(e.code()).isEqualTo("invalid_ttl"));
        assertThatThrownBy(() -> cache.getOrLoad("user:1", User.class, ttl, () -> ADA))
                .isInstanceOfSatisfying(InvalidInputException.class,
                        e -> assertThat(e.code()).isEqualTo("invalid_ttl"));

        assertThat(cache.stats().size()).isZero();
        assertThat(cache.stats().loads()).isZero();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "has space", "semi;colon", "ünïcode", "new\nline", "slash/tag"})
    void anInvalidTagIsRefused(String tag) {
        assertThatThrownBy(() -> cache.put("user:1", ADA, MINUTE, Set.of("ok", tag)))
                .isInstanceOfSatisfying(InvalidInputException.class,
                        e -> assertThat(e.code()).isEqualTo("invalid_cache_tag"));
        assertThatThrownBy(() -> cache.invalidateTag(tag))
                .isInstanceOfSatisfying(InvalidInputException.class,
                        e -> assertThat(e.code()).isEqualTo("invalid_cache_tag"));

        assertThat(cache.stats().size()).isZero();
    }

    @Test
    void aTagOver200CharactersIsRefused() {
        String tag = "t".repeat(201);

        assertThatThrownBy(() -> cache.put("user:1", ADA, MINUTE, Set.of(tag)))
                .isInstanceOfSatisfying(InvalidInputException.class,
                        e -> assertThat(e.code()).isEqualTo("invalid_cache_tag"));

        assertThat(cache.stats().size()).isZero();
    }

    @ParameterizedTest
    @ValueSource(strings = {"a\nb", "a\u0000b", "a\u007fb"})
    void getOrLoadRefusesAKeyWithAControlCharacterWithoutRunningTheLoader(String key) {
        AtomicInteger runs = new AtomicInteger();

        assertThatThrownBy(() -> cache.getOrLoad(key, User.class, MINUTE, () -> {
            runs.incrementAndGet();
            return ADA;
        })).isInstanceOfSatisfying(InvalidInputException.class,
                e -> assertThat(e.code()).isEqualTo("invalid_cache_key"));

        assertThat(runs).hasValue(0);
        assertThat(cache.stats().size()).isZero();
    }

    @Test
    void getOrLoadRefusesAKeyOver512BytesWithoutRunningTheLoader() {
        String key = keyOfBytes(513, 2);
        AtomicInteger runs = new AtomicInteger();

        assertThatThrownBy(() -> cache.getOrLoad(key, User.class, MINUTE, () -> {
            runs.incrementAndGet();
            return ADA;
        })).isInstanceOfSatisfying(InvalidInputException.class,
                e -> assertThat(e.code()).isEqualTo("invalid_cache_key"));

        assertThat(runs).hasValue(0);
        assertThat(cache.stats().size()).isZero();
    }

    @Test
    void localCacheCreateRefusesABadName() {
        assertThatThrownBy(() -> LocalCache.create("no spaces"))
                .isInstanceOfSatisfying(InvalidInputException.class,
                        e -> assertThat(e.code()).isEqualTo("invalid_cache_name"));
    }

    /** A key of exactly {@code bytes} UTF-8 bytes, made of characters of 1 to 4 bytes, padded with ASCII. */
    static String keyOfBytes(int bytes, int bytesPerCharacter) {
        String character = switch (bytesPerCharacter) {
            case 1 -> "k";
            case 2 -> "é";
            case 3 -> "€";
            case 4 -> "😀";
            default -> throw new IllegalArgumentException("1 to 4 bytes");
        };
        StringBuilder key = new StringBuilder();
        int length = 0;
        while (length + bytesPerCharacter <= bytes) {
            key.append(character);
            length += bytesPerCharacter;
        }
        key.append("k".repeat(bytes - length));
        assertThat(key.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8)).hasSize(bytes);
        return key.toString();
    }

    static void awaitLatch(CountDownLatch latch) {
        try {
            if (!latch.await(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException("latch not released in 10 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static void sleepMillis(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
