package dev.weft.service.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** How a dashboard stream waits for the sampler's readings: until the next one, a beat while they are late, or their end. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class DashboardReadingsTest {
    @Test
    void wakesAWaitingStreamWithTheNextReading() throws Exception {
        DashboardReadings readings = new DashboardReadings();
        CompletableFuture<DashboardReadings.Wake> next = waitFor(readings, 0, 0);

        Thread.sleep(200);
        assertThat(next).as("no reading yet").isNotDone();
        readings.publish(new DashboardReadings.Reading(1, "frame".getBytes(StandardCharsets.US_ASCII)));

        assertThat(next.get(5, TimeUnit.SECONDS).latest().seq()).isEqualTo(1);
        assertThat(readings.next(0, 0).latest().seq()).as("a newer reading is answered at once").isEqualTo(1);
    }

    @Test
    void wakesItWithABeatOnlyOnceTheReadingsFellSilent() throws Exception {
        DashboardReadings readings = new DashboardReadings();
        readings.publish(new DashboardReadings.Reading(1, null));
        CompletableFuture<DashboardReadings.Wake> next = waitFor(readings, 1, 0);

        readings.beatIfSilent(Duration.ofMinutes(1).toNanos());
        Thread.sleep(200);
        assertThat(next).as("a reading went out within the minute: no beat").isNotDone();
        readings.beatIfSilent(0);

        DashboardReadings.Wake beat = next.get(5, TimeUnit.SECONDS);
        assertThat(beat.latest().seq()).as("no newer reading").isEqualTo(1);
        assertThat(beat.beats()).isEqualTo(1).isEqualTo(readings.beats());
        assertThat(waitFor(readings, 1, readings.beats())).as("a stream that starts now waits past it").isNotDone();
    }

    @Test
    void beatsAStartedTickerWhileAStreamWatchesAndReadingsAreLate() throws Exception {
        DashboardReadings readings = new DashboardReadings();
        try (DashboardReadings.Watch _ = readings.watch()) {
            readings.startTicker(Duration.ofMillis(300), Duration.ofMillis(100));

            DashboardReadings.Wake beat = readings.next(0, 0);

            assertThat(beat.beats()).isEqualTo(1);
            assertThat(beat.latest().seq()).isZero();
        } finally {
            readings.close();
        }
    }

    @Test
    void endsTheWaitWhenTheReadingsClose() throws Exception {
        DashboardReadings readings = new DashboardReadings();
        readings.publish(new DashboardReadings.Reading(1, null));
        CompletableFuture<DashboardReadings.Wake> next = waitFor(readings, 1, 0);

        Thread.sleep(200);
        readings.close();

        assertThat(next.get(5, TimeUnit.SECONDS)).isNull();
        assertThat(readings.next(0, 0)).as("after close, even an older caller gets no reading").isNull();
    }

    private static CompletableFuture<DashboardReadings.Wake> waitFor(DashboardReadings readings, long after,
            long beats) {
        CompletableFuture<DashboardReadings.Wake> next = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try {
                next.complete(readings.next(after, beats));
            } catch (InterruptedException e) {
                next.completeExceptionally(e);
            }
        });
        return next;
    }
}
