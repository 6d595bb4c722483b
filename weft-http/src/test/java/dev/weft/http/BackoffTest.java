package dev.weft.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class BackoffTest {
    private final Backoff backoff = new Backoff(Duration.ofMillis(100), 2.0, Duration.ofSeconds(1),
            new SplittableRandom(42));

    @Test
    void drawsFullJitterBelowAnExponentialCap() {
        for (int retry = 1; retry <= 6; retry++) {
            long cap = Math.min(1000, 100L << (retry - 1));
            for (int i = 0; i < 200; i++) {
                assertThat(backoff.delay(retry, null).toMillis()).isBetween(0L, cap);
            }
        }
    }

    @Test
    void spreadsDelaysRatherThanSynchronisingThem() {
        long distinct = java.util.stream.IntStream.range(0, 100).mapToLong(i -> backoff.delay(3, null).toMillis())
                .distinct().count();

        assertThat(distinct).isGreaterThan(50);
    }

    @Test
    void honoursRetryAfterUpToTheCap() {
        assertThat(backoff.delay(1, Duration.ofMillis(700))).isEqualTo(Duration.ofMillis(700));
        assertThat(backoff.delay(1, Duration.ofSeconds(120))).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void parsesRetryAfterSecondsAndDates() {
        Clock clock = Clock.fixed(Instant.parse("2026-11-23T10:00:00Z"), ZoneOffset.UTC);

        assertThat(RetryAfter.parse("3", clock)).isEqualTo(Duration.ofSeconds(3));
        assertThat(RetryAfter.parse("Mon, 23 Nov 2026 10:00:05 GMT", clock)).isEqualTo(Duration.ofSeconds(5));
        assertThat(RetryAfter.parse("Mon, 23 Nov 2026 09:00:00 GMT", clock)).isEqualTo(Duration.ZERO);
        assertThat(RetryAfter.parse("soon", clock)).isNull();
        assertThat(RetryAfter.parse(null, clock)).isNull();
    }
}
