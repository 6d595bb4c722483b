package dev.weft.cache.spi;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** What the local tier keeps per tag, with a tag per entity as a service tags its users. */
class CaffeineTierTagsTest {
    private static final Duration MINUTE = Duration.ofMinutes(1);

    private final AtomicLong nanos = new AtomicLong();
    private final CaffeineTier cache = CaffeineTier.create("users", 100, nanos::get);

    @Test
    void tagsPutButNeverInvalidatedKeepNothingOnceTheirEntriesAreGone() {
        for (int i = 0; i < 10_000; i++) {
            cache.put("user:" + i, "v", MINUTE, Set.of("user:" + i));
            cache.getOrLoad("loaded:" + i, dev.weft.cache.TypeRef.of(String.class), MINUTE, Set.of("loaded:" + i),
                    () -> "v");
        }
        cache.cleanUp();

        // before, every tag ever put or loaded kept a counter: 20,000 here for 100 entries
        assertThat(cache.tagVersionsHeld()).isZero();
        assertThat(cache.stats().size()).isLessThanOrEqualTo(100);
    }

    @Test
    void anInvalidatedTagKeepsItsVersionAndItsEntriesStayRefused() {
        cache.put("user:1", "v", MINUTE, Set.of("user:1"));

        cache.invalidateTag("user:1");

        assertThat(cache.tagVersionsHeld()).isEqualTo(1);
        assertThat(cache.get("user:1", String.class)).isEmpty();
        cache.put("user:1", "w", MINUTE, Set.of("user:1"));
        assertThat(cache.get("user:1", String.class)).contains("w");
    }
}
