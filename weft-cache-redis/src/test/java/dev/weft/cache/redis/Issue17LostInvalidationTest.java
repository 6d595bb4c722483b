package dev.weft.cache.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.weft.cache.Cache;
import dev.weft.cache.TypeRef;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 17, the races behind the one failure of {@link Issue17StaleReadsTest} (B served stale local-tier values just
 * after Redis came back, while A's invalidations failed): a write whose invalidation Redis did not take returned,
 * and B, which reached Redis, kept serving what it replaced. Replayed deterministically: A reaches its own
 * redis-server through a {@link TcpProxy} that holds A's invalidation script on its way to Redis; B is connected
 * directly.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class Issue17LostInvalidationTest {
    record Row(long id, long version) {
    }

    private static final int FIRST_PORT = 23_300;
    private static final Duration TTL = Duration.ofMinutes(5);
    private static final String TAG = "row:1";

    private final Map<Long, Long> database = new ConcurrentHashMap<>();
    private final List<AutoCloseable> opened = new ArrayList<>();
    private RedisProcess server;
    private TcpProxy proxy;

    @BeforeEach
    void ownServer() {
        server = RedisProcess.startInRange(FIRST_PORT);
        proxy = TcpProxy.to(server.port());
        database.put(1L, 1L);
    }

    @AfterEach
    void closeAll() throws Exception {
        try {
            for (AutoCloseable closeable : opened.reversed()) {
                closeable.close();
            }
        } finally {
            proxy.close();
            server.close();
        }
    }

    private RedisCaches connect(String url, Duration invalidationWait) {
        RedisCaches caches = RedisCaches.connect(RedisConfig.of(url).withNamespace("issue17-lost")
                .withInvalidationWait(invalidationWait));
        opened.add(caches);
        return caches;
    }

    private Row read(Cache cache) {
        return cache.getOrLoad("row:1", TypeRef.of(Row.class), TTL, Set.of(TAG), () -> new Row(1, database.get(1L)));
    }

    /** B holds version 1 in its local tier, served from there; A has run its invalidation script once. */
    private void bServesVersionOneLocally(RedisCaches first, Cache a, RedisCaches second, Cache b) {
        await("both instances listen").atMost(Duration.ofSeconds(10))
                .until(() -> first.hearsInvalidations() && second.hearsInvalidations());
        a.invalidateTag(TAG); // loads the script: the held request below is the EVALSHA itself
        await("B reads version 1 from its local tier").atMost(Duration.ofSeconds(10)).until(() -> {
            long hits = b.tierStats().get("local").hits();
            return read(b).version() == 1 && b.tierStats().get("local").hits() > hits;
        });
    }

    @Test
    void aWriteWhoseInvalidationTimesOutDoesNotReturnBeforeRedisTookItAndIsNotServedStale() throws Exception {
        RedisCaches first = connect(proxy.url(), Duration.ofSeconds(5));
        RedisCaches second = connect(server.url(), Duration.ofSeconds(5));
        Cache a = first.tiered("rows", 100, TTL);
        Cache b = second.tiered("rows", 100, TTL);
        bServesVersionOneLocally(first, a, second, b);
        database.put(1L, 2L); // committed; now the invalidation, as the service does

        TcpProxy.Hold held = proxy.holdRequestContaining("EVALSHA");
        Thread writer = Thread.ofVirtual().start(() -> a.invalidateTag(TAG));
        try {
            assertThat(held.awaitHeld(Duration.ofSeconds(5))).as("A's invalidation script held").isTrue();
            // Redis has not seen the script: three command timeouts later A must still be in its call (before the
            // fix it had given up after two attempts and returned, and B served version 1 from then on)
            assertThat(writer.join(Duration.ofMillis(300))).as("A's invalidateTag returned before Redis took it")
                    .isFalse();
        } finally {
            held.release();
        }
        assertThat(writer.join(Duration.ofSeconds(10))).isTrue();

        assertThat(read(b).version()).as("B's read after A's invalidateTag returned").isEqualTo(2);
    }

    @Test
    void aWriteWhoseInvalidationRedisNeverTakesReturnsAfterTheWaitAndCountsItAsDropped() throws Exception {
        Duration wait = Duration.ofMillis(400);
        RedisCaches first = connect(proxy.url(), wait);
        RedisCaches second = connect(server.url(), wait);
        Cache a = first.tiered("rows", 100, TTL);
        Cache b = second.tiered("rows", 100, TTL);
        bServesVersionOneLocally(first, a, second, b);
        long droppedBefore = a.stats().droppedWrites();

        TcpProxy.Hold held = proxy.holdRequestContaining("EVALSHA");
        long start = System.nanoTime();
        try {
            a.invalidateTag(TAG); // A alone is cut off from Redis: the documented limit of the promise

            assertThat(System.nanoTime() - start).as("the call kept trying for the invalidation wait")
                    .isGreaterThanOrEqualTo(wait.toNanos());
            assertThat(a.stats().droppedWrites()).isEqualTo(droppedBefore + 1);
            assertThat(first.hearsInvalidations()).as("A stops using its tiers").isFalse();
        } finally {
            held.release();
        }
        // Once A reaches Redis again it fences: B drops its copy and reads what the database holds.
        database.put(1L, 3L);
        await("A fenced and listens again").atMost(Duration.ofSeconds(10)).until(first::hearsInvalidations);
        assertThat(read(b).version()).isEqualTo(3);
    }

    @Test
    void afterARestartAnInstanceServesItsTiersOnlyOnceTheOthersCanWriteAgain() throws Exception {
        RedisCaches first = connect(server.url(), RedisConfig.DEFAULT_INVALIDATION_WAIT);
        RedisCaches second = connect(server.url(), RedisConfig.DEFAULT_INVALIDATION_WAIT);
        Cache a = first.tiered("rows", 100, TTL);
        Cache b = second.tiered("rows", 100, TTL);
        bServesVersionOneLocally(first, a, second, b);
        server.kill();
        await("both instances deaf").atMost(Duration.ofSeconds(10))
                .until(() -> !first.hearsInvalidations() && !second.hearsInvalidations());
        TestWaits.sleepMillis(2_500); // long enough for Lettuce's reconnect back-off to reach its 1 s cap

        server.restart();
        long back = System.nanoTime();
        await("B listens again").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(5))
                .until(second::hearsInvalidations);
        long listening = System.nanoTime() - back;
        read(b); // B's local tier holds what the database held when B came back
        database.put(1L, 2L);
        long droppedBefore = a.stats().droppedWrites();
        a.invalidateTag(TAG); // at once: A's connection may have been the slower one to reconnect

        // Before the fix B listened ~50 ms after Redis answered, while A's connection could still wait up to 1 s
        // for its next reconnect attempt: A's invalidation failed at once and B served version 1. Generous margin
        // below the settle time for the restart's own PING polling.
        assertThat(listening).as("ns from Redis answering to B listening")
                .isGreaterThanOrEqualTo(InvalidationBus.SETTLE.minusMillis(500).toNanos());
        assertThat(a.stats().droppedWrites()).as("A's invalidation taken").isEqualTo(droppedBefore);
        assertThat(read(b).version()).isEqualTo(2);
    }
}
