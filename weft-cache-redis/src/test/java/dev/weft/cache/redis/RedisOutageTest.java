package dev.weft.cache.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.awaitility.Awaitility.await;

import dev.weft.cache.Cache;
import dev.weft.cache.CacheStats;
import dev.weft.cache.TypeRef;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A Redis outage on a redis-server of the test's own (never the shared one on 6379), killed with SIGKILL: the
 * cache never throws, reads miss, writes are dropped and counted, the breaker opens, and the cache recovers by
 * itself when a server answers on the same port again.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class RedisOutageTest {
    private static final Duration COMMAND_TIMEOUT = Duration.ofMillis(200);
    private static final Duration BREAKER_OPEN_TIME = Duration.ofMillis(500);
    private static final Duration MINUTE = Duration.ofMinutes(1);

    private RedisProcess server;
    private TestRedis redis;
    private RedisCaches caches;
    private Cache cache;

    @BeforeEach
    void ownServerAndCache() {
        server = RedisProcess.start();
        redis = TestRedis.at(server.url());
        caches = RedisCaches.connect(redis.config().withCommandTimeout(COMMAND_TIMEOUT)
                .withBreakerOpenTime(BREAKER_OPEN_TIME));
        cache = caches.cache("users");
    }

    @AfterEach
    void killServer() {
        try {
            caches.close();
        } finally {
            server.close();
        }
    }

    /** Arrange for every test: the cache works against the live server. */
    private void workingBeforeTheOutage() {
        cache.put("user:1", "Ada", MINUTE);
        assertThat(cache.get("user:1", String.class)).contains("Ada");
        assertThat(caches.breakerState()).isEqualTo(RedisBreakerState.CLOSED);
        assertThat(cache.stats().errors()).isZero();
    }

    @Test
    void duringAnOutageReadsMissWritesAreDroppedAndNothingThrows() {
        workingBeforeTheOutage();

        server.kill();

        assertThatCode(() -> {
            assertThat(cache.get("user:1", String.class)).isEmpty();
            cache.put("user:2", "Bob", MINUTE);
            cache.put("user:3", "Cy", MINUTE, Set.of("team:7"));
            cache.invalidate("user:1");
            cache.invalidateTag("team:7");
            cache.invalidateTags("team*");
            cache.clear();
            assertThat(cache.get("user:2", String.class)).isEmpty();
        }).doesNotThrowAnyException();

        CacheStats stats = cache.stats();
        assertThat(stats.errors()).isPositive();
        assertThat(stats.droppedWrites()).isGreaterThanOrEqualTo(2);
        assertThat(stats.misses()).isGreaterThanOrEqualTo(2);
    }

    @Test
    void duringAnOutageGetOrLoadReturnsTheLoadersValue() {
        workingBeforeTheOutage();
        AtomicInteger runs = new AtomicInteger();

        server.kill();

        assertThat(cache.getOrLoad("user:9", String.class, MINUTE, () -> {
            runs.incrementAndGet();
            return "loaded";
        })).isEqualTo("loaded");
        assertThat(cache.getOrLoad("user:10", TypeRef.of(String.class), MINUTE, Set.of("team:7"), () -> {
            runs.incrementAndGet();
            return "loaded-with-tag";
        })).isEqualTo("loaded-with-tag");
        assertThat(runs).hasValue(2);
        assertThat(cache.stats().errors()).isPositive();
    }

    @Test
    void aTieredCacheBypassesItsLocalTierDuringAnOutageAndClearsItAfter() {
        Cache tiered = caches.tiered("profiles", 100, MINUTE);
        tiered.put("p:1", "Ada", MINUTE);
        assertThat(tiered.get("p:1", String.class)).contains("Ada");
        assertThat(caches.hearsInvalidations()).isTrue();

        server.kill();

        await("deaf to invalidations").atMost(Duration.ofSeconds(5)).until(() -> !caches.hearsInvalidations());
        assertThatCode(() -> {
            // another instance may have changed p:1 meanwhile, unheard: the local copy is not served
            assertThat(tiered.get("p:1", String.class)).isEmpty();
            tiered.put("p:2", "Bob", MINUTE);
            tiered.invalidate("p:1");
            assertThat(tiered.getOrLoad("p:3", String.class, MINUTE, () -> "loaded")).isEqualTo("loaded");
            assertThat(tiered.getOrLoad("p:3", String.class, MINUTE, () -> "again")).isEqualTo("again");
        }).doesNotThrowAnyException();
        assertThat(tiered.stats().droppedWrites()).isPositive();
        assertThat(caches.invalidationState()).isNotEqualTo("listening");

        server.restart();

        await("listening again").atMost(Duration.ofSeconds(30)).until(caches::hearsInvalidations);
        assertThat(tiered.tierStats().get("local").size()).isZero();
        // the breaker may still be open for a moment: reads skip Redis until it lets calls through again
        await("served again").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50)).until(() -> {
            tiered.put("p:4", "Cy", MINUTE);
            return tiered.get("p:4", String.class).equals(Optional.of("Cy"));
        });
    }

    @Test
    void aTieredCacheCountsTheLoadsItRunsWhileDeaf() {
        Cache tiered = caches.tiered("profiles", 100, MINUTE);
        tiered.put("p:1", "Ada", MINUTE);

        server.kill();
        await("deaf to invalidations").atMost(Duration.ofSeconds(5)).until(() -> !caches.hearsInvalidations());
        tiered.getOrLoad("p:2", String.class, MINUTE, () -> "loaded");
        assertThatCode(() -> tiered.getOrLoad("p:3", String.class, MINUTE, () -> {
            throw new IllegalStateException("source down");
        })).isInstanceOf(IllegalStateException.class);

        // before, loads run while deaf were in neither tier's counters: loads 0, loadFailures 0
        assertThat(tiered.stats().loads()).isEqualTo(2);
        assertThat(tiered.stats().loadFailures()).isEqualTo(1);
    }

    @Test
    void theBreakerOpensAndThenCallsReturnFast() {
        workingBeforeTheOutage();

        server.kill();
        await("breaker open").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(5))
                .until(() -> {
                    cache.get("user:1", String.class);
                    return caches.breakerState() == RedisBreakerState.OPEN;
                });

        long start = System.nanoTime();
        for (int i = 0; i < 50; i++) {
            cache.get("user:" + i, String.class);
            cache.put("user:" + i, "x", MINUTE);
        }
        Duration hundredCalls = Duration.ofNanos(System.nanoTime() - start);

        // 100 calls at one command timeout each would take 20 s; refused ones cost next to nothing
        assertThat(hundredCalls).isLessThan(COMMAND_TIMEOUT.multipliedBy(100).dividedBy(20));
        assertThat(cache.stats().errors()).isGreaterThanOrEqualTo(100);
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void theCacheRecoversByItselfWhenRedisReturns() {
        workingBeforeTheOutage();
        server.kill();
        await("breaker open").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(5))
                .until(() -> {
                    cache.get("user:1", String.class);
                    return caches.breakerState() == RedisBreakerState.OPEN;
                });
        long droppedDuringOutage = cache.stats().droppedWrites();

        server.restart();
        long restarted = System.nanoTime();

        await("puts and gets work again and the breaker is closed").atMost(Duration.ofSeconds(45))
                .pollInterval(Duration.ofMillis(50)).until(() -> {
                    cache.put("user:2", "Bob", MINUTE);
                    return cache.get("user:2", String.class).equals(Optional.of("Bob"))
                            && caches.breakerState() == RedisBreakerState.CLOSED;
                });
        System.out.printf("REDIS OUTAGE RECOVERY: cache usable and breaker CLOSED %d ms after redis-server "
                + "answered again%n", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - restarted));

        assertThat(cache.getOrLoad("user:3", String.class, MINUTE, () -> "Cy")).isEqualTo("Cy");
        assertThat(redis.raw().get(redis.namespace() + ":users:user:3")).endsWith("\"Cy\"");
        assertThat(cache.stats().droppedWrites()).isGreaterThanOrEqualTo(droppedDuringOutage);
    }

    @Test
    void aCacheCreatedWhileRedisIsDownWorksOnceItIsUp() {
        server.kill();
        try (RedisCaches late = RedisCaches.connect(redis.config().withCommandTimeout(COMMAND_TIMEOUT)
                .withBreakerOpenTime(BREAKER_OPEN_TIME))) {
            Cache lateCache = late.cache("users");
            assertThatCode(() -> {
                assertThat(lateCache.get("user:1", String.class)).isEmpty();
                lateCache.put("user:1", "Ada", MINUTE);
            }).doesNotThrowAnyException();

            server.restart();

            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50)).until(() -> {
                lateCache.put("user:1", "Ada", MINUTE);
                return lateCache.get("user:1", String.class).equals(Optional.of("Ada"));
            });
        }
    }
}
