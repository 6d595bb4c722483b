package dev.weft.cache.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.weft.cache.Cache;
import dev.weft.cache.CacheMetrics;
import dev.weft.cache.CacheStats;
import dev.weft.cache.TypeRef;
import dev.weft.core.InvalidConfigException;
import dev.weft.core.InvalidInputException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.LoggerFactory;

/** The Redis tier against the shared Redis on 6379, each test in a namespace of its own. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RedisCacheTest {
    record User(long id, String name, Instant createdAt, List<String> roles) {
    }

    /** Jackson refuses it: it refers to itself. */
    public static final class SelfReferencing {
        public String name = "loop";
        public SelfReferencing self = this;
    }

    /** Jackson refuses it: a getter throws. */
    public static final class ThrowingGetter {
        public String getSecret() {
            throw new IllegalStateException("cannot read");
        }
    }

    /** Jackson writes it as {@code {}} (no getters) and cannot build one back (no constructor it can use). */
    public static final class NoCreator {
        private final int amount;

        public NoCreator(int amount) {
            this.amount = amount;
        }

        @Override
        public String toString() {
            return "NoCreator " + amount;
        }
    }

    private static final Duration MINUTE = Duration.ofMinutes(1);
    private static final User ADA = new User(1, "Ada", Instant.parse("2024-05-01T10:15:30.123456Z"), List.of("admin"));
    private static final User BOB = new User(2, "Bob", Instant.parse("2024-06-01T00:00:00Z"), List.of());

    private final TestRedis redis = TestRedis.shared();
    private final List<RedisCaches> opened = new ArrayList<>();

    private RedisCaches connect(UnaryOperator<RedisConfig> tweak) {
        RedisCaches caches = RedisCaches.connect(tweak.apply(redis.config()));
        opened.add(caches);
        return caches;
    }

    private RedisCaches connect() {
        return connect(UnaryOperator.identity());
    }

    @AfterEach
    void closeAndDeleteKeys() {
        try {
            opened.forEach(RedisCaches::close);
        } finally {
            redis.close();
        }
    }

    @Test
    void roundTripsARecord() {
        Cache cache = connect().cache("users");

        cache.put("user:1", ADA, MINUTE);

        assertThat(cache.get("user:1", User.class)).contains(ADA);
        assertThat(cache.get("user:2", User.class)).isEmpty();
    }

    /** A record with the JDK 8 types Jackson reads only with its jdk8 module. */
    record Profile(String name, Optional<String> nickname, OptionalInt age) {
    }

    @Test
    void roundTripsARecordWithOptionalFieldsAsALocalCacheWould() {
        Cache cache = connect().cache("profiles");
        Profile full = new Profile("Ada", Optional.of("countess"), OptionalInt.of(36));
        Profile bare = new Profile("Bob", Optional.empty(), OptionalInt.empty());

        cache.put("p:1", full, MINUTE);
        cache.put("p:2", bare, MINUTE);

        assertThat(cache.get("p:1", Profile.class)).contains(full);
        assertThat(cache.get("p:2", Profile.class)).contains(bare);
    }

    @Test
    void roundTripsGenericTypesThroughATypeRef() {
        Cache cache = connect().cache("users");
        List<User> team = List.of(ADA, BOB);
        Map<String, List<User>> byRole = Map.of("admin", List.of(ADA), "none", List.of(BOB));

        cache.put("team:7", team, MINUTE);
        cache.put("by-role", byRole, MINUTE);

        assertThat(cache.get("team:7", new TypeRef<List<User>>() { })).contains(team);
        assertThat(cache.get("by-role", new TypeRef<Map<String, List<User>>>() { })).contains(byRole);
        assertThat(cache.get("team:7", new TypeRef<List<User>>() { }).orElseThrow().get(0)).isInstanceOf(User.class);
    }

    @Test
    void keysAreNamespaceCacheKeyAndEveryEntryHasATtl() {
        Cache cache = connect().cache("users");

        cache.put("user:1", ADA, Duration.ofSeconds(30));
        cache.put("user:2", BOB, Duration.ofSeconds(20), Set.of("team:7"));
        cache.getOrLoad("user:3", User.class, Duration.ofSeconds(10), () -> ADA);

        String ns = redis.namespace();
        List<String> keys = redis.keys();
        assertThat(keys.stream().filter(key -> !key.startsWith(ns + ":users.tag:")))
                .containsExactlyInAnyOrder(ns + ":users:user:1", ns + ":users:user:2", ns + ":users:user:3");
        assertThat(redis.raw().pttl(ns + ":users:user:1")).isPositive().isLessThanOrEqualTo(30_000);
        assertThat(redis.raw().pttl(ns + ":users:user:2")).isPositive().isLessThanOrEqualTo(20_000);
        assertThat(redis.raw().pttl(ns + ":users:user:3")).isPositive().isLessThanOrEqualTo(10_000);
    }

    @Test
    void anEntryIsGoneFromRedisAfterItsTtl() {
        Cache cache = connect().cache("users");

        cache.put("user:1", ADA, Duration.ofMillis(200));

        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5))
                .until(() -> redis.raw().exists(redis.namespace() + ":users:user:1") == 0);
        assertThat(cache.get("user:1", User.class)).isEmpty();
    }

    @Test
    void invalidateRemovesOneKey() {
        Cache cache = connect().cache("users");
        cache.put("user:1", ADA, MINUTE);
        cache.put("user:2", BOB, MINUTE);

        cache.invalidate("user:1");

        assertThat(cache.get("user:1", User.class)).isEmpty();
        assertThat(cache.get("user:2", User.class)).contains(BOB);
    }

    @Test
    void invalidateTagMakesTaggedEntriesMissAndLeavesOthers() {
        Cache cache = connect().cache("users");
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
    void aTagInvalidatedOnOneInstanceIsAMissOnAnother() {
        Cache first = connect().cache("users");
        Cache second = connect().cache("users");
        first.put("user:1", ADA, MINUTE, Set.of("team:7"));

        second.invalidateTag("team:7");

        assertThat(first.get("user:1", User.class)).isEmpty();
    }

    @Test
    void invalidateTagsMatchesAGlob() {
        Cache cache = connect().cache("users");
        cache.put("user:1", ADA, MINUTE, Set.of("user:1"));
        cache.put("user:2", BOB, MINUTE, Set.of("user:2"));
        cache.put("order:1", ADA, MINUTE, Set.of("order:1"));
        cache.put("plain", BOB, MINUTE);

        long matched = cache.invalidateTags("user*");

        assertThat(matched).isEqualTo(2);
        assertThat(cache.get("user:1", User.class)).isEmpty();
        assertThat(cache.get("user:2", User.class)).isEmpty();
        assertThat(cache.get("order:1", User.class)).contains(ADA);
        assertThat(cache.get("plain", User.class)).contains(BOB);
    }

    @Test
    void clearRemovesEveryEntryOfThisCacheOnly() {
        RedisCaches caches = connect();
        Cache users = caches.cache("users");
        Cache orders = caches.cache("orders");
        users.put("a", ADA, MINUTE, Set.of("t"));
        users.put("b", BOB, MINUTE);
        orders.put("a", ADA, MINUTE);

        users.clear();

        assertThat(users.get("a", User.class)).isEmpty();
        assertThat(users.get("b", User.class)).isEmpty();
        assertThat(orders.get("a", User.class)).contains(ADA);
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void noCallUsesKeysEvenToInvalidateTagsOrClear() {
        // on a Redis of the test's own, so the command counts are this test's alone
        try (RedisProcess own = RedisProcess.start(); TestRedis ownRedis = TestRedis.at(own.url());
                RedisCaches caches = RedisCaches.connect(ownRedis.config())) {
            Cache cache = caches.cache("users");
            Cache tiered = caches.tiered("profiles", 100, MINUTE);

            cache.put("user:1", ADA, MINUTE, Set.of("team:7", "user:1"));
            cache.get("user:1", User.class);
            cache.getOrLoad("user:2", TypeRef.of(User.class), MINUTE, Set.of("team:7"), () -> BOB);
            cache.invalidateTag("team:7");
            cache.invalidateTags("user*");
            cache.invalidate("user:2");
            cache.clear();
            tiered.put("p", ADA, MINUTE, Set.of("team:7"));
            tiered.invalidateTag("team:7");
            tiered.invalidateTags("team*");
            tiered.clear();

            String commandStats = ownRedis.raw().info("commandstats");
            assertThat(commandStats).contains("cmdstat_scan").contains("cmdstat_evalsha");
            assertThat(commandStats).doesNotContain("cmdstat_keys");
        }
    }

    @Test
    void aValueJacksonCannotSerializeIsRefusedAndNothingIsWritten() {
        Cache cache = connect().cache("users");

        assertThatThrownBy(() -> cache.put("loop", new SelfReferencing(), MINUTE))
                .isInstanceOfSatisfying(InvalidInputException.class,
                        e -> assertThat(e.code()).isEqualTo("unserializable_value"));
        assertThatThrownBy(() -> cache.put("secret", new ThrowingGetter(), MINUTE, Set.of("team:7")))
                .isInstanceOfSatisfying(InvalidInputException.class,
                        e -> assertThat(e.code()).isEqualTo("unserializable_value"));

        assertThat(redis.keys()).isEmpty();
        assertThat(cache.stats().droppedWrites()).isZero();
    }

    @Test
    void aValueJacksonCannotReadBackIsRefusedAtPutNamingItsTypeAndNothingIsWritten() {
        Cache cache = connect().cache("users");
        Cache tiered = connect().tiered("accounts", 100, MINUTE);

        assertThatThrownBy(() -> cache.put("n", new NoCreator(5), MINUTE))
                .isInstanceOfSatisfying(InvalidInputException.class,
                        e -> assertThat(e.code()).isEqualTo("unreadable_value"))
                .hasMessageContaining("'users'").hasMessageContaining(NoCreator.class.getName());
        assertThatThrownBy(() -> tiered.put("n", new NoCreator(5), MINUTE))
                .isInstanceOfSatisfying(InvalidInputException.class,
                        e -> assertThat(e.code()).isEqualTo("unreadable_value"));
        assertThatThrownBy(() -> cache.getOrLoad("m", NoCreator.class, MINUTE, () -> new NoCreator(6)))
                .isInstanceOf(InvalidInputException.class);

        assertThat(redis.keys()).filteredOn(key -> !key.endsWith(":invalidations.epoch")).isEmpty();
    }

    @Test
    void valuesReadBackThroughTheirInterfacesOrEnumAreAccepted() {
        Cache cache = connect().cache("users");

        cache.put("list", List.of(ADA), MINUTE);
        cache.put("map", Map.of("ada", 1), MINUTE);
        cache.put("unit", TimeUnit.SECONDS, MINUTE);
        cache.put("nan", Double.NaN, MINUTE);

        assertThat(cache.get("list", new TypeRef<List<User>>() { })).contains(List.of(ADA));
        assertThat(cache.get("map", new TypeRef<Map<String, Integer>>() { })).contains(Map.of("ada", 1));
        assertThat(cache.get("unit", TimeUnit.class)).contains(TimeUnit.SECONDS);
        assertThat(cache.get("nan", Double.class)).contains(Double.NaN);
    }

    @Test
    void typesLeftOpenComeBackAsJsonsAndATypeRefGivesThemBack() {
        Cache cache = connect().cache("users");

        cache.put("m", Map.of("v", 5L), MINUTE);

        assertThat(cache.get("m", Map.class).orElseThrow().get("v")).isEqualTo(5); // an Integer: JSON's type
        assertThat(cache.get("m", new TypeRef<Map<String, Long>>() { }).orElseThrow().get("v")).isEqualTo(5L);
    }

    @Test
    void anEntryNotReadableAsTheTypeAskedForIsAMissCountedAndLoggedOncePerType() {
        Cache cache = connect().cache("users");
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        CacheMetrics.bind(cache, registry);
        cache.put("user:1", ADA, MINUTE);
        ListAppender<ILoggingEvent> lines = new ListAppender<>();
        Logger log = (Logger) LoggerFactory.getLogger(RedisCaches.class);
        lines.start();
        log.addAppender(lines);

        try {
            assertThat(cache.get("user:1", Integer.class)).isEmpty();
            assertThat(cache.get("user:1", Integer.class)).isEmpty();
            assertThat(cache.get("user:1", User.class)).contains(ADA);
        } finally {
            log.detachAppender(lines);
        }

        assertThat(cache.stats().unreadable()).isEqualTo(2);
        assertThat(cache.stats().misses()).isEqualTo(2);
        assertThat(registry.get("cache.unreadable").tags("cache", "users", "tier", "redis").functionCounter().count())
                .isEqualTo(2);
        assertThat(lines.list).filteredOn(event -> event.getMessage().startsWith("cache entry in redis not readable"))
                .singleElement().satisfies(event -> {
                    assertThat(event.getLevel()).isEqualTo(Level.WARN);
                    assertThat(event.getKeyValuePairs()).anySatisfy(pair -> {
                        assertThat(pair.key).isEqualTo("type");
                        assertThat(pair.value).isEqualTo(Integer.class.getName());
                    });
                });
    }

    @Test
    void aTieredCacheAskedForAgainWithTheSameSettingsIsTheSameInstance() {
        RedisCaches caches = connect();

        Cache first = caches.tiered("accounts", 100, MINUTE);

        assertThat(caches.tiered("accounts", 100, Duration.ofMinutes(1))).isSameAs(first);
        assertThat(caches.tieredByAge("keys", 100, MINUTE)).isSameAs(caches.tieredByAge("keys", 100, MINUTE));
    }

    @Test
    void aTieredCacheAskedForAgainWithOtherSettingsIsRefusedNamingBoth() {
        RedisCaches caches = connect();
        Cache first = caches.tiered("accounts", 100, MINUTE);

        assertThatThrownBy(() -> caches.tiered("accounts", 5_000, MINUTE))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("'accounts'").hasMessageContaining("localMaximumSize=100")
                .hasMessageContaining("localMaximumSize=5000");
        assertThatThrownBy(() -> caches.tiered("accounts", 100, Duration.ofSeconds(5)))
                .isInstanceOf(InvalidConfigException.class);
        assertThatThrownBy(() -> caches.tieredByAge("accounts", 100, MINUTE))
                .isInstanceOf(InvalidConfigException.class);
        assertThat(caches.tiered("accounts", 100, MINUTE)).isSameAs(first);
    }

    @Test
    void badKeysAndTtlsAreRefusedAndNothingIsWritten() {
        Cache cache = connect().cache("users");

        assertThatThrownBy(() -> cache.put(TestWaits.keyOfBytes(513, 3), ADA, MINUTE))
                .isInstanceOfSatisfying(InvalidInputException.class,
                        e -> assertThat(e.code()).isEqualTo("invalid_cache_key"));
        assertThatThrownBy(() -> cache.put("a\u0000b", ADA, MINUTE))
                .isInstanceOfSatisfying(InvalidInputException.class,
                        e -> assertThat(e.code()).isEqualTo("invalid_cache_key"));
        assertThatThrownBy(() -> cache.put("a", ADA, Duration.ZERO))
                .isInstanceOfSatisfying(InvalidInputException.class,
                        e -> assertThat(e.code()).isEqualTo("invalid_ttl"));
        assertThatThrownBy(() -> cache.getOrLoad("a\nb", User.class, MINUTE, () -> ADA))
                .isInstanceOfSatisfying(InvalidInputException.class,
                        e -> assertThat(e.code()).isEqualTo("invalid_cache_key"));
        assertThatThrownBy(() -> cache.put("a", ADA, MINUTE, Set.of("bad tag")))
                .isInstanceOfSatisfying(InvalidInputException.class,
                        e -> assertThat(e.code()).isEqualTo("invalid_cache_tag"));

        assertThat(redis.keys()).isEmpty();
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void getOrLoadOnFourInstancesRunsTheLoaderOnceFor200ConcurrentCalls() throws Exception {
        List<Cache> instances = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            // a lease call timed out is designed to load locally; on a loaded machine the 100 ms default can run out
            instances.add(connect(config -> config.withCommandTimeout(Duration.ofSeconds(1))).cache("reports"));
        }
        instances.forEach(instance -> instance.get("warm-up", String.class)); // connections open, classes loaded
        AtomicInteger runs = new AtomicInteger();
        CountDownLatch go = new CountDownLatch(1);
        List<Future<String>> results = new ArrayList<>();

        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int call = 0; call < 200; call++) {
                Cache instance = instances.get(call % 4);
                results.add(threads.submit(() -> {
                    go.await();
                    return instance.getOrLoad("daily", String.class, MINUTE, () -> {
                        runs.incrementAndGet();
                        TestWaits.sleepMillis(200); // the work of an expensive load
                        return "report-42";
                    });
                }));
            }
            go.countDown();
        }

        assertThat(runs).hasValue(1);
        for (Future<String> result : results) {
            assertThat(result.get()).isEqualTo("report-42");
        }
        assertThat(redis.keys()).containsExactly(redis.namespace() + ":reports:daily");
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void aLoadLongerThanTheLeaseRenewsItAndStillRunsOnce() throws Exception {
        Cache first = connect(config -> config.withLeaseTime(Duration.ofMillis(300))).cache("reports");
        Cache second = connect(config -> config.withLeaseTime(Duration.ofMillis(300))).cache("reports");
        AtomicInteger runs = new AtomicInteger();
        CountDownLatch loading = new CountDownLatch(1);
        AtomicReference<String> firstResult = new AtomicReference<>();
        Thread slow = Thread.ofVirtual().start(() -> firstResult.set(first.getOrLoad("daily", String.class, MINUTE,
                () -> {
                    runs.incrementAndGet();
                    loading.countDown();
                    TestWaits.sleepMillis(1_500); // five lease times
                    return "from-first";
                })));
        assertThat(loading.await(5, TimeUnit.SECONDS)).isTrue();

        String secondResult = second.getOrLoad("daily", String.class, MINUTE, () -> {
            runs.incrementAndGet();
            return "from-second";
        });

        assertThat(slow.join(Duration.ofSeconds(10))).isTrue();
        assertThat(runs).hasValue(1);
        assertThat(secondResult).isEqualTo("from-first");
        assertThat(firstResult.get()).isEqualTo("from-first");
        assertThat(redis.raw().exists(redis.namespace() + ":reports.lease:daily")).isZero();
    }

    @Test
    void readsOnAnInterruptedThreadMissWithoutOpeningTheBreakerAndKeepTheFlag() throws Exception {
        RedisCaches caches = connect();
        Cache cache = caches.cache("users");
        cache.put("user:1", ADA, MINUTE);
        AtomicReference<List<Optional<User>>> read = new AtomicReference<>();
        AtomicReference<Boolean> flagAfter = new AtomicReference<>();

        Thread cancelled = Thread.ofVirtual().start(() -> {
            Thread.currentThread().interrupt(); // a request cancelled while it works
            List<Optional<User>> found = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                found.add(cache.get("user:1", User.class));
            }
            read.set(found);
            flagAfter.set(Thread.currentThread().isInterrupted());
        });
        assertThat(cancelled.join(Duration.ofSeconds(10))).isTrue();

        assertThat(read.get()).hasSize(20).allSatisfy(found -> assertThat(found).isEmpty());
        assertThat(flagAfter.get()).isTrue();
        // before, each read counted as a Redis failure: 5 opened the breaker and every caller missed
        assertThat(caches.breakerState()).isEqualTo(RedisBreakerState.CLOSED);
        assertThat(cache.get("user:1", User.class)).contains(ADA);
        assertThat(cache.stats().errors()).isZero();
    }

    /**
     * Runs a load of {@code daily} on {@code loading} whose loader read "old" (the source's value then), runs
     * {@code write} while the loader still holds it, and returns once the load has finished.
     */
    private static void loadRacingWith(Cache loading, Runnable write) throws Exception {
        CountDownLatch loaderRead = new CountDownLatch(1);
        CountDownLatch written = new CountDownLatch(1);
        AtomicReference<String> loaded = new AtomicReference<>();
        Thread loader = Thread.ofVirtual().start(() -> loaded.set(loading.getOrLoad("daily", String.class, MINUTE,
                () -> {
                    loaderRead.countDown();
                    TestWaits.awaitLatch(written);
                    return "old";
                })));
        assertThat(loaderRead.await(5, TimeUnit.SECONDS)).isTrue();

        write.run();
        written.countDown();
        assertThat(loader.join(Duration.ofSeconds(10))).isTrue();
        assertThat(loaded.get()).isEqualTo("old");
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void aLoadRacingWithAnInvalidateOfItsKeyOnAnotherInstanceWritesNothing() throws Exception {
        Cache loading = connect().cache("reports");
        Cache writing = connect().cache("reports");

        loadRacingWith(loading, () -> writing.invalidate("daily"));

        // before the fix the load wrote "old" after the invalidation: served by every instance until its TTL ran out
        assertThat(writing.get("daily", String.class)).isEmpty();
        assertThat(redis.raw().exists(redis.namespace() + ":reports:daily")).isZero();
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void aLoadRacingWithAPutOfItsKeyOnAnotherInstanceLeavesThePutValue() throws Exception {
        Cache loading = connect().cache("reports");
        Cache writing = connect().cache("reports");

        loadRacingWith(loading, () -> writing.put("daily", "new", MINUTE));

        assertThat(loading.get("daily", String.class)).contains("new");
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void aLoadRacingWithClearWritesNothing() throws Exception {
        Cache loading = connect().cache("reports");
        Cache writing = connect().cache("reports");

        loadRacingWith(loading, writing::clear);

        assertThat(loading.get("daily", String.class)).isEmpty();
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void aLoadRacingWithAnInvalidateOfAnotherKeyIsWrittenAndItsLeaseReleased() throws Exception {
        Cache loading = connect().cache("reports");

        loadRacingWith(loading, () -> loading.invalidate("weekly"));

        assertThat(loading.get("daily", String.class)).contains("old");
        assertThat(redis.scan(redis.namespace() + ":reports.lease:*")).isEmpty();
    }

    /**
     * Starts a load of {@code daily} on {@code cache} that hangs until the test ends, then calls getOrLoad for the same
     * key on the same cache (so the same JVM) and returns how long that took and what it returned.
     */
    private static Duration waitBehindAHungLoadInThisJvm(Cache cache, AtomicReference<String> waiterResult)
            throws Exception {
        CountDownLatch holderLoading = new CountDownLatch(1);
        CountDownLatch holderRelease = new CountDownLatch(1);
        Thread stuck = Thread.ofVirtual().start(() -> cache.getOrLoad("daily", String.class, MINUTE, () -> {
            holderLoading.countDown();
            TestWaits.awaitLatch(holderRelease);
            return "from-holder";
        }));
        assertThat(holderLoading.await(5, TimeUnit.SECONDS)).isTrue();
        try {
            long start = System.nanoTime();
            waiterResult.set(cache.getOrLoad("daily", String.class, MINUTE, () -> "from-waiter"));
            return Duration.ofNanos(System.nanoTime() - start);
        } finally {
            holderRelease.countDown();
            assertThat(stuck.join(Duration.ofSeconds(10))).isTrue();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"redis", "tiered"})
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aWaiterInTheSameInstanceLoadsByItselfAfterOneLoadWait(String kind) throws Exception {
        RedisCaches caches = connect(config -> config.withLoadWait(Duration.ofSeconds(1)));
        Cache cache = kind.equals("redis") ? caches.cache("reports") : caches.tiered("reports", 100, MINUTE);
        await("listening").atMost(Duration.ofSeconds(10)).until(() -> kind.equals("redis")
                || caches.hearsInvalidations());
        AtomicReference<String> waiterResult = new AtomicReference<>();

        Duration waited = waitBehindAHungLoadInThisJvm(cache, waiterResult);

        assertThat(waiterResult.get()).isEqualTo("from-waiter");
        // before: the redis cache waited the load wait twice (this JVM's load, then its lease), ~2 s; the tiered
        // cache ignored the setting and waited RedisConfig.DEFAULT_LOAD_WAIT (30 s) before the lease's 1 s
        assertThat(waited).isGreaterThanOrEqualTo(Duration.ofSeconds(1)).isLessThan(Duration.ofMillis(1900));
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void aWaiterLoadsByItselfOnceTheLoadWaitIsOver() throws Exception {
        Cache holder = connect().cache("reports");
        Cache waiter = connect(config -> config.withLoadWait(Duration.ofMillis(300))).cache("reports");
        CountDownLatch holderLoading = new CountDownLatch(1);
        CountDownLatch holderRelease = new CountDownLatch(1);
        AtomicReference<String> holderResult = new AtomicReference<>();
        Thread stuck = Thread.ofVirtual().start(() -> holderResult.set(holder.getOrLoad("daily", String.class,
                MINUTE, () -> {
                    holderLoading.countDown();
                    TestWaits.awaitLatch(holderRelease); // a load that hangs until the test ends it
                    return "from-holder";
                })));
        assertThat(holderLoading.await(5, TimeUnit.SECONDS)).isTrue();

        long start = System.nanoTime();
        String waiterResult = waiter.getOrLoad("daily", String.class, MINUTE, () -> "from-waiter");
        Duration waited = Duration.ofNanos(System.nanoTime() - start);

        try {
            assertThat(waiterResult).isEqualTo("from-waiter");
            assertThat(waited).isGreaterThanOrEqualTo(Duration.ofMillis(300)).isLessThan(Duration.ofSeconds(2));
            assertThat(stuck.isAlive()).as("the holder's load is still running").isTrue();
        } finally {
            holderRelease.countDown();
            assertThat(stuck.join(Duration.ofSeconds(10))).isTrue();
        }
        assertThat(holderResult.get()).isEqualTo("from-holder");
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void aLoaderExceptionReachesEveryCallerAndCachesNothing() throws Exception {
        Cache cache = connect().cache("reports");
        CountDownLatch go = new CountDownLatch(1);
        AtomicInteger runs = new AtomicInteger();
        List<Future<?>> results = new ArrayList<>();

        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int call = 0; call < 20; call++) {
                results.add(threads.submit(() -> {
                    go.await();
                    return cache.getOrLoad("daily", String.class, MINUTE, () -> {
                        runs.incrementAndGet();
                        TestWaits.sleepMillis(100);
                        throw new IllegalStateException("source down");
                    });
                }));
            }
            go.countDown();
        }

        assertThat(results).allSatisfy(result -> assertThatThrownBy(result::get)
                .hasCauseInstanceOf(IllegalStateException.class));
        assertThat(runs.get()).isBetween(1, 20);
        assertThat(redis.keys()).isEmpty();
        assertThat(cache.stats().loadFailures()).isEqualTo(runs.get());
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void aLoaderAskingForItsOwnKeyFailsAtOnceInsteadOfWaitingOnItsOwnLease() {
        Cache cache = connect().cache("reports");

        RecursiveLoad.failsAtOnce(cache, "daily", 7);

        assertThat(redis.keys()).as("the lease released").containsExactly(redis.namespace() + ":reports:daily");
    }

    @Test
    void aNullResultIsReturnedAndNotCached() {
        Cache cache = connect().cache("reports");
        AtomicInteger runs = new AtomicInteger();

        String first = cache.getOrLoad("none", String.class, MINUTE, () -> {
            runs.incrementAndGet();
            return null;
        });
        String second = cache.getOrLoad("none", String.class, MINUTE, () -> {
            runs.incrementAndGet();
            return null;
        });

        assertThat(first).isNull();
        assertThat(second).isNull();
        assertThat(runs).hasValue(2);
        assertThat(redis.keys()).isEmpty();
    }

    @Test
    void statsAndMicrometerMetersCountHitsAndMissesPerTier() {
        Cache cache = connect().cache("metered");
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        CacheMetrics.bind(cache, registry);

        cache.put("a", ADA, MINUTE);
        cache.get("a", User.class);
        cache.get("a", User.class);
        cache.get("missing", User.class);

        CacheStats stats = cache.stats();
        assertThat(stats.tier()).isEqualTo("redis");
        assertThat(stats.hits()).isEqualTo(2);
        assertThat(stats.misses()).isEqualTo(1);
        assertThat(stats.hitRate()).isCloseTo(2.0 / 3, within(1e-9));
        assertThat(stats.errors()).isZero();
        assertThat(stats.droppedWrites()).isZero();
        assertThat(registry.get("cache.gets").tags("cache", "metered", "tier", "redis", "result", "hit")
                .functionCounter().count()).isEqualTo(2);
        assertThat(registry.get("cache.gets").tags("cache", "metered", "tier", "redis", "result", "miss")
                .functionCounter().count()).isEqualTo(1);
        assertThat(registry.get("cache.errors").tags("cache", "metered", "tier", "redis")
                .functionCounter().count()).isZero();
    }

    @Test
    void loadsAndLoadTimeAreCountedAndPublished() {
        Cache cache = connect().cache("metered");
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        CacheMetrics.bind(cache, registry);

        cache.getOrLoad("slow", String.class, MINUTE, () -> {
            TestWaits.sleepMillis(30); // the work of a slow loader
            return "done";
        });

        assertThat(cache.stats().loads()).isEqualTo(1);
        assertThat(cache.stats().loadTime()).isGreaterThanOrEqualTo(Duration.ofMillis(30));
        assertThat(registry.get("cache.loads").tags("cache", "metered", "tier", "redis", "result", "success")
                .functionCounter().count()).isEqualTo(1);
        assertThat(registry.get("cache.load.duration").tags("cache", "metered", "tier", "redis")
                .timeGauge().value(TimeUnit.MILLISECONDS)).isGreaterThanOrEqualTo(30);
    }

    @Test
    void aColdGetOrLoadCountsOneMissAndAWarmOneOneHit() {
        Cache cache = connect().cache("metered");

        cache.getOrLoad("a", User.class, MINUTE, () -> ADA);
        cache.getOrLoad("a", User.class, MINUTE, () -> ADA);

        assertThat(cache.stats().misses()).as("one read that missed").isEqualTo(1);
        assertThat(cache.stats().hits()).isEqualTo(1);
        assertThat(cache.stats().loads()).isEqualTo(1);
    }

    @Test
    void aTieredCacheBindsOneSetOfMetersPerTier() {
        RedisCaches caches = connect();
        Cache tiered = caches.tiered("profiles", 100, MINUTE);
        // a tiered cache bypasses both tiers until it hears invalidations; under load subscribing takes a while
        await().atMost(Duration.ofSeconds(10)).until(caches::hearsInvalidations);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        CacheMetrics.bind(tiered, registry);

        tiered.put("a", ADA, MINUTE);
        tiered.get("a", User.class);

        assertThat(registry.get("cache.gets").tags("cache", "profiles", "tier", "local", "result", "hit")
                .functionCounter().count()).isEqualTo(1);
        assertThat(registry.get("cache.gets").tags("cache", "profiles", "tier", "redis", "result", "hit")
                .functionCounter().count()).isZero();
        // the gauge reads the local tier's own size: 1 here as a rule, but once under CI's load the tier was empty
        // by then (likely the bus fencing it, which clears it, after an unanswered ping), so the gauge is compared
        // with the tier's size read around it rather than with a constant
        long sizeBefore = tiered.tierStats().get("local").size();
        double gauge = registry.get("cache.size").tags("cache", "profiles", "tier", "local").gauge().value();
        long sizeAfter = tiered.tierStats().get("local").size();
        assertThat(gauge).isIn((double) sizeBefore, (double) sizeAfter);
        assertThat(sizeBefore).as("the entry just read from the local tier").isLessThanOrEqualTo(1);
    }

    /** A put Redis does not answer within the command timeout, held by a proxy: dropped, counted and logged. */
    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void aPutThatOutlivesTheCommandTimeoutIsCountedAndLoggedAtWarnWithoutTheKey() throws Exception {
        int sharedPort = io.lettuce.core.RedisURI.create(TestRedis.SHARED_URL).getPort();
        ListAppender<ILoggingEvent> lines = new ListAppender<>();
        Logger log = (Logger) LoggerFactory.getLogger(RedisCaches.class);
        try (TcpProxy proxy = TcpProxy.to(sharedPort);
                RedisCaches throughProxy = RedisCaches.connect(RedisConfig.of(proxy.url())
                        .withNamespace(redis.namespace()))) {
            Cache cache = throughProxy.cache("uploads");
            cache.put("warm-up", "w", MINUTE); // connected before the hold
            TcpProxy.Hold held = proxy.holdRequestContaining("held-upload-body");
            lines.start();
            log.addAppender(lines);

            try {
                cache.put("upload:private-name", "held-upload-body", MINUTE);
            } finally {
                log.detachAppender(lines);
                held.release();
            }

            assertThat(cache.stats().droppedWrites()).isEqualTo(1);
            assertThat(lines.list).filteredOn(event -> event.getMessage().startsWith("cache write dropped"))
                    .singleElement().satisfies(event -> {
                        assertThat(event.getLevel()).isEqualTo(Level.WARN);
                        assertThat(event.getKeyValuePairs()).extracting(pair -> pair.key + "=" + pair.value)
                                .contains("cache=uploads", "key_length=19")
                                .noneMatch(pair -> pair.contains("private-name"));
                    });
        }
    }

    /**
     * The lease race: a waiter whose last read missed just before the holder wrote the value and released the
     * lease takes the free lease and must not run the loader a second time. Replayed with a proxy that holds the
     * waiter's read reply until the holder is done.
     */
    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void aWaiterWhoseReadMissedJustBeforeTheLeaseWasReleasedDoesNotLoadAgain() throws Exception {
        int sharedPort = io.lettuce.core.RedisURI.create(TestRedis.SHARED_URL).getPort();
        try (TcpProxy proxy = TcpProxy.to(sharedPort);
                RedisCaches throughProxy = RedisCaches.connect(RedisConfig.of(proxy.url())
                        .withNamespace(redis.namespace()))) {
            Cache holder = connect().cache("reports");
            Cache waiter = throughProxy.cache("reports");
            waiter.get("warm-up", String.class); // connection and script loaded before replies are counted
            AtomicInteger runs = new AtomicInteger();
            CountDownLatch holderLoading = new CountDownLatch(1);
            CountDownLatch holderRelease = new CountDownLatch(1);
            Thread first = Thread.ofVirtual().start(() -> holder.getOrLoad("daily", String.class, MINUTE, () -> {
                runs.incrementAndGet();
                holderLoading.countDown();
                TestWaits.awaitLatch(holderRelease);
                return "from-holder";
            }));
            assertThat(holderLoading.await(5, TimeUnit.SECONDS)).isTrue();

            // the waiter's 1st read is getOrLoad's cache check; its 2nd is the read just before it tries the lease
            TcpProxy.Hold secondRead = proxy.holdReply(2);
            AtomicReference<String> waiterResult = new AtomicReference<>();
            Thread second = Thread.ofVirtual().start(() -> waiterResult.set(waiter.getOrLoad("daily", String.class,
                    MINUTE, () -> {
                        runs.incrementAndGet();
                        return "from-waiter";
                    })));
            assertThat(secondRead.awaitHeld(Duration.ofSeconds(5))).isTrue();
            holderRelease.countDown();
            assertThat(first.join(Duration.ofSeconds(5))).isTrue(); // value written, lease released
            secondRead.release();
            assertThat(second.join(Duration.ofSeconds(10))).isTrue();

            assertThat(runs).as("loader runs").hasValue(1);
            assertThat(waiterResult.get()).isEqualTo("from-holder");
        }
    }
}
