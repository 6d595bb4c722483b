package dev.weft.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class DeadlineTest {
    @Test
    void noDeadlineOutsideAScope() {
        assertThat(Deadline.current()).isEmpty();
    }

    @Test
    void aScopeSeesItsDeadlineAndTheEarlierOfTwoNestedOnes() {
        Deadline outer = Deadline.after(Duration.ofSeconds(1));
        Deadline later = Deadline.after(Duration.ofMinutes(1));
        Deadline sooner = Deadline.after(Duration.ofMillis(100));
        outer.run(() -> {
            assertThat(Deadline.current()).containsSame(outer);
            later.run(() -> assertThat(Deadline.current()).containsSame(outer));
            sooner.run(() -> assertThat(Deadline.current()).containsSame(sooner));
            later.carrier().run(() -> assertThat(Deadline.current()).containsSame(outer));
        });
        assertThat(Deadline.current()).isEmpty();
    }

    @Test
    void aCarrierAtEntryBindsItsDeadlineAsItIs() {
        Deadline entry = Deadline.after(Duration.ofSeconds(30));
        ScopedValue<String> other = ScopedValue.newInstance();
        entry.carrierAtEntry().where(other, "bound too").run(() -> {
            assertThat(Deadline.current()).containsSame(entry);
            assertThat(other.get()).isEqualTo("bound too");
        });
        // documented: it does not look for an enclosing deadline, which is why it is only for where work enters
        Deadline outer = Deadline.after(Duration.ofSeconds(1));
        outer.run(() -> entry.carrierAtEntry().run(() -> assertThat(Deadline.current()).containsSame(entry)));
    }

    @Test
    void timeLeftCountsDownAndANegativeTimeoutIsRefused() {
        Deadline passed = Deadline.after(Duration.ZERO);
        assertThat(passed.expired()).isTrue();
        assertThat(passed.remaining()).isEqualTo(Duration.ZERO);
        Deadline later = Deadline.after(Duration.ofMinutes(5));
        assertThat(later.expired()).isFalse();
        assertThat(later.remaining()).isPositive().isLessThanOrEqualTo(Duration.ofMinutes(5));
        assertThat(Deadline.after(Duration.ofDays(10_000)).remaining()).isLessThanOrEqualTo(Duration.ofDays(365));
        assertThatThrownBy(() -> Deadline.after(Duration.ofSeconds(-1))).isInstanceOf(InvalidConfigException.class);
    }
}
