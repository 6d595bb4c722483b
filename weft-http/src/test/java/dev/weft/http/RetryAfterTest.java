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
        // RFC 9110 §5.6.7: recipients must also accept the obsolete RFC 850 and asctime forms (they were ignored,
        // so a server's wait was replaced by the client's own backoff)
        assertThat(RetryAfter.parse("Monday, 23-Nov-26 10:00:05 GMT", clock)).isEqualTo(Duration.ofSeconds(5));
        assertThat(RetryAfter.parse("Mon Nov 23 10:00:05 2026", clock)).isEqualTo(Duration.ofSeconds(5));
        assertThat(RetryAfter.parse("Sun Nov  1 10:00:00 2026", clock)).isEqualTo(Duration.ZERO);
        assertThat(RetryAfter.parse("Tuesday, 01-Jan-80 00:00:00 GMT", clock)).as("1980: 2080 is over 50 years ahead")
                .isEqualTo(Duration.ZERO);
        assertThat(RetryAfter.parse("-5", clock)).isNull();
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
