package dev.weft.cache.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.cache.CacheException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class SingleFlightTest {
    @Test
    void aWaiterBehindAStuckLoaderLoadsItselfAfterItsWait() throws Exception {
        SingleFlight flight = new SingleFlight("c");
        CountDownLatch stuck = new CountDownLatch(1);
        CountDownLatch leaderStarted = new CountDownLatch(1);
        CompletableFuture<String> leader = CompletableFuture.supplyAsync(() -> flight.run("k", Duration.ofSeconds(5),
                () -> {
                    leaderStarted.countDown();
                    try {
                        stuck.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return "leader";
                }), runnable -> Thread.ofVirtual().start(runnable));
        assertThat(leaderStarted.await(5, TimeUnit.SECONDS)).isTrue();

        String waiter = flight.run("k", Duration.ofMillis(100), () -> "waiter");

        assertThat(waiter).isEqualTo("waiter");
        stuck.countDown();
        assertThat(leader.get(5, TimeUnit.SECONDS)).isEqualTo("leader");
    }

    @Test
    void aLoaderThatThrowsAnUndeclaredCheckedExceptionFailsItsWaitersAtOnce() throws Exception {
        SingleFlight flight = new SingleFlight("c");
        CountDownLatch leaderStarted = new CountDownLatch(1);
        AtomicReference<Thread> waiterThread = new AtomicReference<>();
        CompletableFuture<Object> leader = CompletableFuture.supplyAsync(() -> flight.run("k", Duration.ofSeconds(5),
                () -> {
                    leaderStarted.countDown();
                    awaitWaiting(waiterThread); // the waiter is waiting on this load
                    return sneakyThrow(new java.io.IOException("the loader's own"));
                }), runnable -> Thread.ofVirtual().start(runnable));
        assertThat(leaderStarted.await(5, TimeUnit.SECONDS)).isTrue();
        long start = System.nanoTime();
        CompletableFuture<Object> waiter = CompletableFuture.supplyAsync(() -> {
            waiterThread.set(Thread.currentThread());
            return flight.run("k", Duration.ofSeconds(5), () -> "the waiter loaded it itself");
        }, runnable -> Thread.ofVirtual().start(runnable));

        assertThatThrownBy(() -> waiter.get(5, TimeUnit.SECONDS)).hasRootCauseInstanceOf(java.io.IOException.class);
        // told at once, not after its 5-s wait
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
        assertThatThrownBy(() -> leader.get(5, TimeUnit.SECONDS)).hasRootCauseInstanceOf(java.io.IOException.class);
    }

    private static void awaitWaiting(AtomicReference<Thread> thread) {
        long giveUpAt = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (thread.get() == null || thread.get().getState() != Thread.State.TIMED_WAITING) {
            if (System.nanoTime() - giveUpAt > 0) {
                throw new AssertionError("the waiter never waited");
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted", e);
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static <T, X extends Throwable> T sneakyThrow(Throwable failure) throws X {
        throw (X) failure;
    }

    @Test
    void aLoaderAskingForItsOwnKeyFailsAtOnceInsteadOfWaitingForItself() {
        SingleFlight flight = new SingleFlight("c");
        AtomicInteger loads = new AtomicInteger();

        assertThatThrownBy(() -> flight.run("k", Duration.ofSeconds(30), () -> {
            loads.incrementAndGet();
            return flight.run("k", Duration.ofSeconds(30), () -> "inner " + loads.incrementAndGet());
        })).isInstanceOfSatisfying(CacheException.class,
                failure -> assertThat(failure.code()).isEqualTo("cache_recursive_load"));

        assertThat(loads).hasValue(1);
        assertThat(flight.run("k", Duration.ofSeconds(30), () -> "again")).isEqualTo("again");
    }

    @Test
    void aRecursiveLoadIsFoundByKeyWhateverTheFlight() {
        SingleFlight flight = new SingleFlight("c");

        assertThatThrownBy(() -> flight.run("k", "k@1", Duration.ofSeconds(30),
                () -> flight.run("k", "k@2", Duration.ofSeconds(30), () -> "inner")))
                .isInstanceOf(CacheException.class);
        assertThatThrownBy(() -> flight.run("k", "k@1", Duration.ofSeconds(30), () -> flight.alone("k", () -> "inner")))
                .isInstanceOf(CacheException.class);
    }
}
