package dev.weft.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class BackoffTest {

    @Test
    void boundGrowsByTheMultiplierUpToTheCap() {
        Backoff backoff = new Backoff(Duration.ofMillis(50), 2.0, Duration.ofMillis(300));
        assertThat(backoff.bound(1)).isEqualTo(Duration.ofMillis(50));
        assertThat(backoff.bound(2)).isEqualTo(Duration.ofMillis(100));
        assertThat(backoff.bound(3)).isEqualTo(Duration.ofMillis(200));
        assertThat(backoff.bound(4)).isEqualTo(Duration.ofMillis(300));
        assertThat(backoff.bound(60)).isEqualTo(Duration.ofMillis(300));
    }

    @Test
    void delaysAreSpreadOverTheWholeRangeBelowTheBound() {
        Backoff backoff = Backoff.exponential(Duration.ofMillis(100), Duration.ofSeconds(1));
        SplittableRandom random = new SplittableRandom(7);
        long below = 0;
        long above = 0;
        for (int i = 0; i < 2_000; i++) {
            Duration delay = backoff.delay(1, null, random);
            assertThat(delay).isBetween(Duration.ZERO, Duration.ofMillis(100));
            if (delay.toMillis() < 50) {
                below++;
            } else {
                above++;
            }
        }
        // full jitter: both halves of the range are used about equally
        assertThat(below).isBetween(800L, 1_200L);
        assertThat(above).isBetween(800L, 1_200L);
    }

    @Test
    void aServersRetryAfterReplacesTheDrawButNotTheCap() {
        Backoff backoff = Backoff.exponential(Duration.ofMillis(10), Duration.ofSeconds(2));
        assertThat(backoff.delay(1, Duration.ofSeconds(1), new SplittableRandom())).isEqualTo(Duration.ofSeconds(1));
        assertThat(backoff.delay(1, Duration.ofSeconds(30), new SplittableRandom())).isEqualTo(Duration.ofSeconds(2));
        assertThat(backoff.delay(1, Duration.ofSeconds(-3), new SplittableRandom())).isEqualTo(Duration.ZERO);
    }

    @Test
    void invalidPartsAreRefusedWithTheSettingNamed() {
        assertThatThrownBy(() -> new Backoff(Duration.ofSeconds(2), 2.0, Duration.ofSeconds(1)))
                .isInstanceOf(InvalidConfigException.class).hasMessageContaining("backoff.max-delay");
        assertThatThrownBy(() -> new Backoff(Duration.ZERO, 0.5, Duration.ZERO))
                .isInstanceOf(InvalidConfigException.class).hasMessageContaining("backoff.multiplier");
    }

    @Test
    void aRetryPolicyCountsAttemptsWithTheFirstIncluded() {
        RetryPolicy policy = RetryPolicy.of(3, Duration.ofMillis(10), Duration.ofMillis(40));
        assertThat(policy.maxRetries()).isEqualTo(2);
        assertThat(policy.allowsAnotherAttempt(2)).isTrue();
        assertThat(policy.allowsAnotherAttempt(3)).isFalse();
        assertThat(RetryPolicy.none().allowsAnotherAttempt(1)).isFalse();
        assertThat(policy.delayBefore(2, null)).isBetween(Duration.ZERO, Duration.ofMillis(20));
    }

    @Test
    void everyKindHasItsOwnStatusAndAuthFailuresAreNotInvalidInput() {
        assertThat(new UnauthenticatedException("unauthorized", "missing X-API-Key").httpStatus()).isEqualTo(401);
        assertThat(new ForbiddenException("forbidden", "admin only").httpStatus()).isEqualTo(403);
        assertThat(new ConflictException("duplicate_email", "email taken").httpStatus()).isEqualTo(409);
        assertThat(java.util.Arrays.stream(ErrorKind.values()).map(ErrorKind::httpStatus).distinct().count())
                .isEqualTo(ErrorKind.values().length);
    }
}
