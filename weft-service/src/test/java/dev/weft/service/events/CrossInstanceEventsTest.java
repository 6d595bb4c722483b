package dev.weft.service.events;

import static dev.weft.service.TestService.unique;
import static dev.weft.service.events.EventStreamContract.LIFE;
import static dev.weft.service.events.EventStreamContract.WAIT;
import static dev.weft.service.events.EventStreamContract.upload;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.weft.service.TestBackends;
import dev.weft.service.TestService;
import dev.weft.service.jobs.JobsConfig;
import dev.weft.service.provider.LocalProvider;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Event streams across instances of one deployment and across a restart: the log in the database is the bus. */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class CrossInstanceEventsTest {
    private static final EventsConfig EVENTS = EventsConfig.defaults().withHeartbeat(Duration.ofMillis(500));

    private static TestService instance(TestBackends.Isolated database, boolean owns, int workers) {
        JobsConfig jobs = EventStreamContract.jobs().withWorkers(workers);
        return new TestService(database, owns, config -> config,
                () -> LocalProvider.create(Duration.ofSeconds(1), Clock.systemUTC()), jobs, EVENTS);
    }

    @Test
    void anEventMadeOnOneInstanceReachesAStreamOpenOnAnother() throws Exception {
        TestBackends.Isolated database = TestBackends.POSTGRESQL.isolate();
        try (TestService worker = instance(database, true, 2);
                TestService watcher = instance(database, false, 0)) {
            String key = worker.createUser(unique("x")).path("api_key").asText();
            try (SseClient stream = SseClient.open(watcher.base(), "/events", key)) {
                assertThat(stream.status()).isEqualTo(200);

                String videoId = upload(worker, key);
                List<SseClient.Event> events = stream.next(LIFE.size(), WAIT);

                assertThat(events).extracting(SseClient.Event::type).containsExactlyElementsOf(LIFE);
                assertThat(events).extracting(event -> event.data().path("video_id").asText()).containsOnly(videoId);
                assertThat(events).extracting(SseClient.Event::id).isSorted().doesNotHaveDuplicates();
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = TestBackends.class, names = {"SQLITE", "POSTGRESQL"})
    void aClientResumesAfterARestartFromTheLog(TestBackends backend) throws Exception {
        TestBackends.Isolated database = backend.isolate();
        List<SseClient.Event> seen = new ArrayList<>();
        String key;
        String videoId;
        long stopMillis;
        try (TestService before = instance(database, false, 2)) {
            key = before.createUser(unique("r")).path("api_key").asText();
            videoId = upload(before, key);
            try (SseClient stream = SseClient.open(before.base(), "/videos/" + videoId + "/events", key)) {
                seen.addAll(stream.next(2, WAIT));
            }
            await().atMost(WAIT).until(() -> before.get("/videos/" + videoId, key).json().path("status").asText()
                    .equals("completed"));
            SseClient open = SseClient.open(before.base(), "/events", key);
            assertThat(open.status()).isEqualTo(200);
            long start = System.nanoTime();
            before.close();
            stopMillis = (System.nanoTime() - start) / 1_000_000;
            open.close();
        }

        try (TestService after = instance(database, true, 2);
                SseClient resumed = SseClient.open(after.base(), "/videos/" + videoId + "/events", key,
                        "Last-Event-ID", Long.toString(seen.getLast().id()))) {
            seen.addAll(resumed.untilEnd(WAIT));
        }

        assertThat(seen).extracting(SseClient.Event::type).containsExactlyElementsOf(LIFE);
        assertThat(seen).extracting(SseClient.Event::id).isSorted().doesNotHaveDuplicates();
        // an open stream does not hold the stop for the shutdown grace (10 s)
        assertThat(stopMillis).isLessThan(5_000);
    }
}
