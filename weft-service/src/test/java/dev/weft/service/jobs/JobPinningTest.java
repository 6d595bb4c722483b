package dev.weft.service.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.weft.http.ApiConfig;
import dev.weft.service.provider.HttpProvider;
import dev.weft.service.provider.ProviderServer;
import dev.weft.service.provider.ProviderServerConfig;
import dev.weft.service.provider.Providers;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Job workers on virtual threads drive 40 jobs through weft-db (PostgreSQL) and weft-http (the provider server)
 * under a JFR recording, after a warm-up round: no {@code jdk.VirtualThreadPinned} event, so no worker ever held
 * its carrier thread while it waited on the database or the provider.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class JobPinningTest {
    private static final String PINNED = "jdk.VirtualThreadPinned";

    @Test
    void workersNeverPinTheirCarrierThread() throws Exception {
        JobsConfig config = JobsConfig.defaults().withWorkers(8).withLease(Duration.ofSeconds(10))
                .withPolling(Duration.ofMillis(20), Duration.ofMillis(50));
        try (ProviderServer server = ProviderServer.start(ProviderServerConfig.defaults().withJobTime(Duration.ZERO));
                JobDatabase jobs = JobDatabase.open(JobDatabase.Target.POSTGRESQL);
                HttpProvider provider = Providers.http(ApiConfig.builder(server.url()).name("provider").build(), null,
                        new SimpleMeterRegistry());
                JobEngine engine = JobEngine.create(jobs.db, jobs.videos, jobs.usage, provider, config,
                        Clock.systemUTC(), new SimpleMeterRegistry(), (videoId, userId) -> { })) {
            engine.start();
            long user = jobs.user();
            runJobs(jobs, engine, user, 5);

            Path file = Files.createTempFile("weft-jobs-pinning-", ".jfr");
            try {
                try (Recording recording = new Recording()) {
                    recording.enable(PINNED).withThreshold(Duration.ZERO).withStackTrace();
                    recording.start();
                    runJobs(jobs, engine, user, 40);
                    recording.stop();
                    recording.dump(file);
                }
                List<RecordedEvent> pinned = RecordingFile.readAllEvents(file).stream()
                        .filter(event -> event.getEventType().getName().equals(PINNED)).toList();

                assertThat(pinned).withFailMessage(() -> pinned.size() + " pinned events; first: "
                        + (pinned.isEmpty() ? "" : pinned.getFirst().getStackTrace())).isEmpty();
            } finally {
                Files.deleteIfExists(file);
            }
        }
    }

    private static void runJobs(JobDatabase jobs, JobEngine engine, long user, int count) {
        List<String> videos = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            videos.add(jobs.submit(engine, user, "{}"));
        }
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() -> videos.stream()
                .allMatch(id -> jobs.video(id).status().equals("completed")));
    }
}
