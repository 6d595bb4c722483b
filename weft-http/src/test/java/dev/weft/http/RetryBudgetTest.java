package dev.weft.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RetryBudgetTest {
    private final AtomicLong now = new AtomicLong(1_000_000_000_000L);

    @Test
    void allowsRetriesUpToTheShareOfCallsPlusTheFloor() {
        RetryBudget budget = new RetryBudget(0.2, 1, now::get);
        for (int i = 0; i < 100; i++) {
            budget.recordCall();
        }

        int allowed = 0;
        while (budget.tryRetry()) {
            allowed++;
        }

        assertThat(allowed).isEqualTo(20 + RetryBudget.WINDOW_SECONDS);
        assertThat(budget.refused()).isEqualTo(1);
    }

    @Test
    void letsAQuietClientRetryThroughTheFloor() {
        RetryBudget budget = new RetryBudget(0.2, 1, now::get);
        budget.recordCall();

        assertThat(budget.tryRetry()).isTrue();
    }

    @Test
    void refusesEverythingWithoutCallsOrFloor() {
        RetryBudget budget = new RetryBudget(0.2, 0, now::get);

        assertThat(budget.tryRetry()).isFalse();
    }

    @Test
    void forgetsCallsAndRetriesThatSlidOutOfTheWindow() {
        RetryBudget budget = new RetryBudget(0.5, 0, now::get);
        for (int i = 0; i < 10; i++) {
            budget.recordCall();
        }
        while (budget.tryRetry()) {
            // use the budget up
        }

        now.addAndGet(RetryBudget.WINDOW_SECONDS * 1_000_000_000L);

        assertThat(budget.tryRetry()).isFalse();
        budget.recordCall();
        budget.recordCall();
        assertThat(budget.tryRetry()).isTrue();
        assertThat(budget.tryRetry()).isFalse();
    }
}
