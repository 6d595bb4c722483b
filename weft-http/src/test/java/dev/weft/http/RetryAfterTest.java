package dev.weft.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class RetryAfterTest {

    @Test
    void parsesRetryAfterSecondsAndDates() {
        Clock clock = Clock.fixed(Instant.parse("2026-11-23T10:00:00Z"), ZoneOffset.UTC);

        assertThat(RetryAfter.parse("3", clock)).isEqualTo(Duration.ofSeconds(3));
        assertThat(RetryAfter.parse("Mon, 23 Nov 2026 10:00:05 GMT", clock)).isEqualTo(Duration.ofSeconds(5));
        assertThat(RetryAfter.parse("Mon, 23 Nov 2026 09:00:00 GMT", clock)).isEqualTo(Duration.ZERO);
        assertThat(RetryAfter.parse("soon", clock)).isNull();
        assertThat(RetryAfter.parse(null, clock)).isNull();
    }

    @Test
    void retryConfigHonoursRetryAfterUpToItsMaxRetryDelay() {
        RetryConfig retry = RetryConfig.defaults().withBackoff(Duration.ofMillis(100), 2.0, Duration.ofSeconds(1));
        SplittableRandom random = new SplittableRandom(42);

        assertThat(retry.policy().backoff().delay(1, Duration.ofMillis(700), random)).isEqualTo(Duration.ofMillis(700));
        assertThat(retry.policy().backoff().delay(1, Duration.ofSeconds(120), random)).isEqualTo(Duration.ofSeconds(1));
        assertThat(retry.policy().maxAttempts()).isEqualTo(RetryConfig.DEFAULT_MAX_RETRIES + 1);
    }
}
