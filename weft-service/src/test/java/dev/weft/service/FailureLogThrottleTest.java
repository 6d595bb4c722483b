package dev.weft.service;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class FailureLogThrottleTest {
    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

    @Test
    void letsTheFirstLineOfACodeThroughThenCountsTheRestUntilTheIntervalPassed() {
        FailureLogThrottle throttle = new FailureLogThrottle(10 * SECOND);
        long start = 1_000 * SECOND;

        long first = throttle.admit("database_unavailable", start);
        long[] withinTheInterval = new long[16];
        for (int i = 0; i < withinTheInterval.length; i++) {
            withinTheInterval[i] = throttle.admit("database_unavailable", start + i * SECOND / 2);
        }
        long next = throttle.admit("database_unavailable", start + 10 * SECOND);

        assertThat(first).isZero();
        assertThat(withinTheInterval).containsOnly(-1L);
        assertThat(next).isEqualTo(16);
    }

    @Test
    void countsEachCodeOnItsOwn() {
        FailureLogThrottle throttle = new FailureLogThrottle(10 * SECOND);

        throttle.admit("database_unavailable", 0);

        assertThat(throttle.admit("pool_exhausted", 1)).isZero();
        assertThat(throttle.admit("database_unavailable", 2)).isEqualTo(-1);
    }
}
