package dev.weft.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

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

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void neverGrantsMoreThanItsShareWhileCallsRaceIntoANewSecond() throws Exception {
        // calls and retries arrive together as each second starts, so a call moves the bucket to the new second while
        // a retry is counted in it: the retry must still count
        int rounds = 10_000;
        int perSecond = 5;
        CyclicBarrier secondStarts = new CyclicBarrier(2);
        AtomicLong callsMade = new AtomicLong();
        RetryBudget[] budget = new RetryBudget[1];
        long[] granted = new long[rounds];
        Thread caller = Thread.ofPlatform().start(() -> {
            try {
                for (int round = 0; round < rounds; round++) {
                    for (int second = 0; second < RetryBudget.WINDOW_SECONDS; second++) {
                        secondStarts.await();
                        for (int i = 0; i < perSecond; i++) {
                            budget[0].recordCall();
                            callsMade.incrementAndGet();
                        }
                        secondStarts.await();
                    }
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        for (int round = 0; round < rounds; round++) {
            budget[0] = new RetryBudget(0.2, 1, now::get);
            long callsBefore = callsMade.get();
            for (int second = 0; second < RetryBudget.WINDOW_SECONDS; second++) {
                now.set((round * 100L + second) * 1_000_000_000L);
                secondStarts.await();
                for (int i = 0; i < perSecond; i++) {
                    if (budget[0].tryRetry()) {
                        granted[round]++;
                    }
                }
                secondStarts.await();
            }
            // one window, no bucket slid out of it: the share of the calls made plus the floor bounds the retries
            assertThat(granted[round]).as("round %d", round)
                    .isLessThanOrEqualTo((long) (0.2 * (callsMade.get() - callsBefore)) + RetryBudget.WINDOW_SECONDS);
        }
        caller.join();
    }
}
