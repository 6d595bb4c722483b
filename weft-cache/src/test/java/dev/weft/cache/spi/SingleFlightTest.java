package dev.weft.cache.spi;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class SingleFlightTest {
    @Test
    void aWaiterBehindAStuckLoaderLoadsItselfAfterItsWait() throws Exception {
        SingleFlight flight = new SingleFlight();
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
    void aLoaderAskingForItsOwnKeyDoesNotWaitForItself() {
        SingleFlight flight = new SingleFlight();
        AtomicInteger loads = new AtomicInteger();

        String value = flight.run("k", Duration.ofSeconds(30), () -> {
            loads.incrementAndGet();
            return flight.run("k", Duration.ofSeconds(30), () -> "inner " + loads.incrementAndGet());
        });

        assertThat(value).isEqualTo("inner 2");
    }
}
