package dev.weft.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.cache.spi.CaffeineTier;
import dev.weft.core.InvalidConfigException;
import dev.weft.core.InvalidInputException;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A local tier bounded by age ({@link LocalCache#createByAge}) on a fake ticker: no test waits for time to pass. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class LocalCacheByAgeTest {
    private static final Duration MINUTE = Duration.ofMinutes(1);

    private final AtomicLong nanos = new AtomicLong();
    private final CaffeineTier cache = CaffeineTier.createByAge("principals", 3, Duration.ofMinutes(5), nanos::get);

    private void advance(Duration duration) {
        nanos.addAndGet(duration.toNanos());
    }

    /** Fills the tier (3 entries): k1, k2 and k3 holding 1, 2 and 3 for a minute. */
    private void fillWithK1ToK3() {
        for (int i = 1; i <= 3; i++) {
            cache.put("k" + i, i, MINUTE);
        }
    }

    @Test
    void eachEntryLivesItsOwnTtlCutToTheTiersLongest() {
        cache.put("short", "a", Duration.ofSeconds(10));
        cache.put("long", "b", Duration.ofHours(1));

        advance(Duration.ofSeconds(10).minusNanos(1));
        assertThat(cache.get("short", String.class)).contains("a");
        advance(Duration.ofNanos(1));
        assertThat(cache.get("short", String.class)).isEmpty();

        advance(Duration.ofMinutes(5).minusSeconds(10).minusNanos(1));
        assertThat(cache.get("long", String.class)).contains("b");
        advance(Duration.ofNanos(1));
        assertThat(cache.get("long", String.class)).as("an hour's TTL cut to the tier's 5 minutes").isEmpty();
    }

    @Test
    void readsDoNotKeepAnEntryLongerThanItsTtl() {
        cache.put("k", "v", MINUTE);
        for (int i = 0; i < 59; i++) {
            advance(Duration.ofSeconds(1));
            assertThat(cache.get("k", String.class)).contains("v");
        }

        advance(Duration.ofSeconds(1));

        assertThat(cache.get("k", String.class)).isEmpty();
    }

    @Test
    void onceFullANewKeyIsNotStoredAndCountsAsAnEvictionWhileTheOldOnesStay() {
        fillWithK1ToK3();

        cache.put("k4", 4, MINUTE);

        assertThat(cache.get("k4", Integer.class)).isEmpty();
        assertThat(cache.get("k1", Integer.class)).contains(1);
        assertThat(cache.get("k2", Integer.class)).contains(2);
        assertThat(cache.get("k3", Integer.class)).contains(3);
        assertThat(cache.stats().size()).isEqualTo(3);
        assertThat(cache.stats().evictions()).isEqualTo(1);
    }

    @Test
    void aFullTierStillReplacesAKeyItHolds() {
        fillWithK1ToK3();

        cache.put("k2", 20, MINUTE);

        assertThat(cache.get("k2", Integer.class)).contains(20);
        assertThat(cache.stats().evictions()).isZero();
    }

    @Test
    void entriesThatReachTheTiersLongestTtlMakeRoomForNewKeys() {
        for (String key : new String[] {"x", "y", "z"}) {
            cache.put(key, key, Duration.ofHours(2)); // cut to the tier's 5 minutes
        }

        advance(Duration.ofMinutes(5));
        cache.put("fresh", "f", MINUTE);

        assertThat(cache.get("fresh", String.class)).contains("f");
        assertThat(cache.get("x", String.class)).isEmpty();
        assertThat(cache.stats().size()).isEqualTo(1);
        assertThat(cache.stats().evictions()).isZero();
    }

    @Test
    void entriesPastTheirOwnShorterTtlMakeRoomAtMostOnceASecond() {
        cache.put("a", 1, Duration.ofMillis(100));
        cache.put("b", 2, Duration.ofMillis(100));
        cache.put("c", 3, MINUTE);
        advance(Duration.ofMillis(200));
        cache.put("d", 4, MINUTE);
        cache.put("e", 5, Duration.ofMillis(100));
        advance(Duration.ofMillis(200));

        cache.put("f", 6, MINUTE);
        assertThat(cache.get("f", Integer.class)).as("the look ran less than a second ago").isEmpty();
        advance(Duration.ofSeconds(1));
        cache.put("f", 6, MINUTE);
        assertThat(cache.get("f", Integer.class)).contains(6);
        assertThat(cache.get("c", Integer.class)).contains(3);
        assertThat(cache.get("d", Integer.class)).contains(4);
    }

    @Test
    void aLoadIntoAFullTierIsReturnedButNotKept() {
        fillWithK1ToK3();
        AtomicInteger loads = new AtomicInteger();

        Integer first = cache.getOrLoad("k4", new TypeRef<Integer>() { }, MINUTE, Set.of(), loads::incrementAndGet);
        Integer second = cache.getOrLoad("k4", new TypeRef<Integer>() { }, MINUTE, Set.of(), loads::incrementAndGet);

        assertThat(first).isEqualTo(1);
        assertThat(second).as("loaded again: the full tier kept nothing").isEqualTo(2);
    }

    @Test
    void tagInvalidationAndKeyInvalidationWorkAsInTheSizeBoundedTier() {
        cache.put("p:1", "ada", MINUTE, Set.of("user:1"));
        cache.put("p:2", "bob", MINUTE, Set.of("user:2"));

        cache.invalidateTag("user:1");
        cache.invalidate("p:2");

        assertThat(cache.get("p:1", String.class)).isEmpty();
        assertThat(cache.get("p:2", String.class)).isEmpty();
        cache.put("p:3", "eve", MINUTE);
        cache.put("p:4", "joe", MINUTE);
        assertThat(cache.get("p:3", String.class)).as("invalidated entries made room").contains("eve");
        assertThat(cache.get("p:4", String.class)).contains("joe");
    }

    @Test
    void theFactoryChecksItsBounds() {
        assertThatThrownBy(() -> LocalCache.createByAge("principals", 0, MINUTE))
                .isInstanceOf(InvalidConfigException.class).hasMessageContaining("maximum-size");
        assertThatThrownBy(() -> LocalCache.createByAge("principals", 10, Duration.ZERO))
                .isInstanceOf(InvalidInputException.class);
        assertThat(LocalCache.createByAge("principals", 10, MINUTE).stats().name()).isEqualTo("principals");
    }
}
