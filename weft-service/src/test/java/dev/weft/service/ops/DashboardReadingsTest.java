package dev.weft.service.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** How a dashboard stream waits for the sampler's readings: until the next one, or until they end. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class DashboardReadingsTest {
    @Test
    void wakesAWaitingStreamWithTheNextReading() throws Exception {
        DashboardReadings readings = new DashboardReadings();
        CompletableFuture<DashboardReadings.Reading> next = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try {
                next.complete(readings.next(0));
            } catch (InterruptedException e) {
                next.completeExceptionally(e);
            }
        });

        Thread.sleep(200);
        assertThat(next).as("no reading yet").isNotDone();
        readings.publish(new DashboardReadings.Reading(1, "frame".getBytes(StandardCharsets.US_ASCII)));

        assertThat(next.get(5, TimeUnit.SECONDS).seq()).isEqualTo(1);
        assertThat(readings.next(0).seq()).as("a newer reading is answered at once").isEqualTo(1);
    }

    @Test
    void endsTheWaitWhenTheReadingsClose() throws Exception {
        DashboardReadings readings = new DashboardReadings();
        readings.publish(new DashboardReadings.Reading(1, null));
        CompletableFuture<DashboardReadings.Reading> next = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try {
                next.complete(readings.next(1));
            } catch (InterruptedException e) {
                next.completeExceptionally(e);
            }
        });

        Thread.sleep(200);
        readings.close();

        assertThat(next.get(5, TimeUnit.SECONDS)).isNull();
        assertThat(readings.next(0)).as("after close, even an older caller gets no reading").isNull();
    }
}
