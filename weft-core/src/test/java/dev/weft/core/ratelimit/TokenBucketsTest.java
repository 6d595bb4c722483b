package dev.weft.core.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.core.InvalidConfigException;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The in-process buckets on a clock the test moves, and the shared policy over a store the test breaks. */
class TokenBucketsTest {
    private static final long SECOND = 1_000_000_000L;
    private final AtomicLong now = new AtomicLong(42 * SECOND);

    @Test
    void anIntervalBucketAdmitsThePermitsOncePerPeriodAndNamesTheWait() {
        LocalTokenBuckets buckets = new LocalTokenBuckets(RateLimit.perSecond(5), now::get);

        assertThat(admitted(buckets, "a", 20)).isEqualTo(5);
        now.addAndGet(SECOND * 3 / 10);
        RateDecision refused = buckets.tryAcquire("a");
        now.addAndGet(SECOND * 7 / 10);
        int nextPeriod = admitted(buckets, "a", 20);

        assertThat(refused.allowed()).isFalse();
        assertThat(refused.retryAfter()).isEqualTo(Duration.ofMillis(700));
        assertThat(refused.retryAfterSeconds()).isEqualTo(1);
        assertThat(refused.mode()).isEqualTo(BucketMode.LOCAL);
        assertThat(nextPeriod).as("the whole rate again, never more").isEqualTo(5);
        assertThat(admitted(buckets, "other key", 20)).as("each key has its own bucket").isEqualTo(5);
    }

    @Test
    void aGreedyBucketRefillsOnePermitPerSlice() {
        LocalTokenBuckets buckets = new LocalTokenBuckets(RateLimit.smoothPerSecond(10), now::get);

        assertThat(admitted(buckets, "a", 20)).isEqualTo(10);
        RateDecision refused = buckets.tryAcquire("a");
        now.addAndGet(SECOND / 10);

        assertThat(refused.retryAfter()).isEqualTo(Duration.ofMillis(100));
        assertThat(admitted(buckets, "a", 20)).isEqualTo(1);
        now.addAndGet(5 * SECOND);
        assertThat(admitted(buckets, "a", 20)).as("capped at the capacity").isEqualTo(10);
    }

    @Test
    void idleBucketsAreDroppedOnlyWhenThereAreManyKeysAndAreFullAgain() {
        LocalTokenBuckets buckets = new LocalTokenBuckets(RateLimit.perSecond(1), now::get);
        for (int i = 0; i < LocalTokenBuckets.SWEEP_ABOVE_KEYS; i++) {
            buckets.tryAcquire("k" + i);
        }
        now.addAndGet(SECOND);
        buckets.tryAcquire("new");

        assertThat(buckets.size()).isEqualTo(1);
        assertThat(buckets.tryAcquire("k1").allowed()).as("a dropped bucket was full anyway").isTrue();
    }

    @Test
    void aLimitRefusesNonsense() {
        assertThatThrownBy(() -> RateLimit.perSecond(0)).isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("weft.ratelimit.permits");
        assertThatThrownBy(() -> new RateLimit(1, Duration.ZERO, RateLimit.Refill.GREEDY))
                .isInstanceOf(InvalidConfigException.class);
    }

    @Test
    void acquireWaitsForAPermitThatComesBackInTime() {
        TokenBuckets buckets = TokenBuckets.local(new RateLimit(1, Duration.ofMillis(50), RateLimit.Refill.GREEDY));
        long start = System.nanoTime(); // before the drain: the permit is back 50 ms after it, not after this
        buckets.tryAcquire("a");

        RateDecision waited = buckets.acquire("a", Duration.ofSeconds(1));
        long waitedNanos = System.nanoTime() - start;
        RateDecision tooLong = buckets.acquire("a", Duration.ofMillis(1));

        assertThat(waited.allowed()).isTrue();
        assertThat(Duration.ofNanos(waitedNanos)).isGreaterThanOrEqualTo(Duration.ofMillis(50));
        assertThat(tooLong.allowed()).isFalse();
    }

    @Test
    void aSharedLimiterUsesItsStoreWhileItAnswers() {
        FakeStore store = new FakeStore();
        TokenBuckets buckets = new SharedTokenBuckets("api", RateLimit.perSecond(3), store, now::get);

        RateDecision decision = buckets.tryAcquire("a");

        assertThat(decision.mode()).isEqualTo(BucketMode.SHARED);
        assertThat(store.calls.get()).isEqualTo(1);
        assertThat(buckets.mode()).isEqualTo(BucketMode.SHARED);
    }

    @Test
    void aFailingStoreFallsBackToLocalBucketsAtTheSameRateAndIsProbedOnceASecond() {
        FakeStore store = new FakeStore();
        SharedTokenBuckets buckets = new SharedTokenBuckets("api", RateLimit.perSecond(3), store, now::get);
        store.failing.set(true);

        int admittedDuringOutage = 0;
        for (int i = 0; i < 10; i++) {
            RateDecision decision = buckets.tryAcquire("a");
            assertThat(decision.mode()).isEqualTo(BucketMode.FALLBACK);
            admittedDuringOutage += decision.allowed() ? 1 : 0;
        }
        int callsWhileSkipped = store.calls.get();
        now.addAndGet(SECOND); // the skip is over: the next caller probes, and it still fails
        buckets.tryAcquire("a");
        int callsAfterProbe = store.calls.get();
        store.failing.set(false);
        now.addAndGet(SECOND);
        RateDecision recovered = buckets.tryAcquire("a");

        assertThat(admittedDuringOutage).as("a limit, not none").isEqualTo(3);
        assertThat(callsWhileSkipped).as("one failure, then the store is skipped").isEqualTo(1);
        assertThat(callsAfterProbe).isEqualTo(2);
        assertThat(recovered.mode()).isEqualTo(BucketMode.SHARED);
        assertThat(buckets.mode()).isEqualTo(BucketMode.SHARED);
        assertThat(buckets.storeFailures()).isEqualTo(2);
    }

    @Test
    void aStoreThatIsNotReadyIsNotCalledAndCountsNoFailure() {
        FakeStore store = new FakeStore();
        store.ready.set(false);
        SharedTokenBuckets buckets = new SharedTokenBuckets("api", RateLimit.perSecond(3), store, now::get);

        RateDecision decision = buckets.tryAcquire("a");

        assertThat(decision.mode()).isEqualTo(BucketMode.FALLBACK);
        assertThat(buckets.mode()).isEqualTo(BucketMode.FALLBACK);
        assertThat(store.calls.get()).isZero();
        assertThat(buckets.storeFailures()).isZero();
    }

    @Test
    void onlyOneCallerAtATimeProbesADegradedStore() throws InterruptedException {
        FakeStore store = new FakeStore();
        SharedTokenBuckets buckets = new SharedTokenBuckets("api", RateLimit.perSecond(1000), store, now::get);
        store.failing.set(true);
        buckets.tryAcquire("a");
        now.addAndGet(SECOND);
        store.failing.set(false);
        store.hold = new CountDownLatch(1);

        Thread prober = Thread.ofVirtual().start(() -> buckets.tryAcquire("a"));
        while (store.calls.get() < 2) {
            Thread.onSpinWait();
        }
        RateDecision meanwhile = buckets.tryAcquire("a");
        store.hold.countDown();
        prober.join();

        assertThat(meanwhile.mode()).as("the others keep to the local buckets").isEqualTo(BucketMode.FALLBACK);
        assertThat(store.calls.get()).isEqualTo(2);
        assertThat(buckets.tryAcquire("a").mode()).isEqualTo(BucketMode.SHARED);
    }

    private static int admitted(TokenBuckets buckets, String key, int calls) {
        int admitted = 0;
        for (int i = 0; i < calls; i++) {
            admitted += buckets.tryAcquire(key).allowed() ? 1 : 0;
        }
        return admitted;
    }

    /** A store that admits everything, or throws while {@link #failing}. */
    private static final class FakeStore implements BucketStore {
        final AtomicBoolean failing = new AtomicBoolean();
        final AtomicBoolean ready = new AtomicBoolean(true);
        final AtomicInteger calls = new AtomicInteger();
        volatile CountDownLatch hold = new CountDownLatch(0);

        @Override
        public boolean ready() {
            return ready.get();
        }

        @Override
        public long tryConsume(String key, RateLimit limit) {
            calls.incrementAndGet();
            try {
                hold.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (failing.get()) {
                throw new IllegalStateException("store down");
            }
            return 0;
        }
    }
}
