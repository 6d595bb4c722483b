package dev.weft.service.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.weft.service.Json;
import dev.weft.service.data.UserRepository;
import dev.weft.service.data.VideoEvent;
import dev.weft.service.data.VideoEventRepository;
import dev.weft.service.provider.ModelUsage;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.jspecify.annotations.Nullable;

/** The event log at the store: one event per status change, in the change's transaction, ids in commit order. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class JobEventLogTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    @ParameterizedTest
    @EnumSource(JobDatabase.Target.class)
    void logsOneEventPerStatusChangeWithTheVideoAsTheApiShowsIt(JobDatabase.Target target) throws Exception {
        try (JobDatabase jobs = JobDatabase.open(target)) {
            JobStore store = new JobStore(jobs.db, jobs.videos, jobs.usage, Clock.systemUTC());
            VideoEventRepository log = new VideoEventRepository(jobs.db, Clock.systemUTC(), Json.create());
            long before = log.lastId();
            String video = submit(jobs, store, jobs.user(), "{\"model\":\"m1\"}");
            JobRow job = store.claim("w/0", Duration.ofSeconds(30)).orElseThrow();

            store.advance(job, "w/0", JobState.UPLOADING, Map.of(), Map.of("status", "uploading"),
                    Duration.ofSeconds(30));
            store.advance(job, "w/0", JobState.PROCESSING, Map.of("external_job_id", "x-1"),
                    Map.of("status", "processing", "external_job_id", "x-1"), Duration.ofSeconds(30));
            store.advance(job, "w/0", JobState.PROCESSING, Map.of(), Map.of(), Duration.ofSeconds(30));
            store.complete(job, "w/0", "local://results/1", new ModelUsage("m1", 12, 1.0, 2.0));

            List<VideoEvent> events = log.after(before, null, video, 100);
            assertThat(events).extracting(VideoEvent::eventType)
                    .containsExactly("queued", "uploading", "processing", "completed");
            assertThat(events).extracting(VideoEvent::eventId).isSorted().doesNotHaveDuplicates();
            JsonNode completed = MAPPER.readTree(events.getLast().payload());
            assertThat(completed.path("status").asText()).isEqualTo("completed");
            assertThat(completed.path("result_url").asText()).isEqualTo("local://results/1");
            assertThat(completed.path("options").path("model").asText()).isEqualTo("m1");
            assertThat(completed.has("storage_path")).isFalse();
            assertThat(log.lastId()).isEqualTo(events.getLast().eventId());
        }
    }

    @ParameterizedTest
    @EnumSource(JobDatabase.Target.class)
    void aStatusChangeThatRollsBackLogsNoEvent(JobDatabase.Target target) {
        try (JobDatabase jobs = JobDatabase.open(target)) {
            JobStore store = new JobStore(jobs.db, jobs.videos, jobs.usage, Clock.systemUTC());
            VideoEventRepository log = new VideoEventRepository(jobs.db, Clock.systemUTC(), Json.create());
            long user = jobs.user();
            long before = log.lastId();

            assertThatThrownBy(() -> jobs.db.inTransaction(tx -> {
                String videoId = "vid_" + UUID.randomUUID().toString().replace("-", "");
                jobs.videos.insert(tx, videoId, user, "clip.mp4", 1, null, null, "job_x");
                store.insert(tx, "job_" + UUID.randomUUID().toString().replace("-", ""), videoId, user, null, null);
                throw new IllegalStateException("the submission failed after its writes");
            })).isInstanceOf(IllegalStateException.class);

            assertThat(log.lastId()).isEqualTo(before);
            assertThat(log.after(before, user, null, 10)).isEmpty();
            String video = submit(jobs, store, user, null);
            assertThat(log.after(before, user, null, 10)).extracting(VideoEvent::videoId).containsExactly(video);
            assertThat(log.lastId()).isEqualTo(before + 1);
        }
    }

    @ParameterizedTest
    @EnumSource(value = JobDatabase.Target.class, names = {"POSTGRESQL", "MARIADB"})
    void aReaderFollowingTheLogByIdNeverSkipsAnEventThatCommitsLate(JobDatabase.Target target) throws Exception {
        try (JobDatabase jobs = JobDatabase.open(target)) {
            JobStore store = new JobStore(jobs.db, jobs.videos, jobs.usage, Clock.systemUTC());
            VideoEventRepository log = new VideoEventRepository(jobs.db, Clock.systemUTC(), Json.create());
            long user = jobs.user();
            long start = log.lastId();
            int writers = 4;
            int perWriter = 25;
            List<Long> seen = Collections.synchronizedList(new ArrayList<>());
            Thread reader = Thread.ofVirtual().start(() -> {
                long last = start;
                while (seen.size() < writers * perWriter && !Thread.currentThread().isInterrupted()) {
                    for (VideoEvent event : log.after(last, null, null, 100)) {
                        seen.add(event.eventId());
                        last = event.eventId();
                    }
                }
            });

            List<Thread> threads = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                threads.add(Thread.ofVirtual().start(() -> {
                    for (int i = 0; i < perWriter; i++) {
                        submit(jobs, store, user, null);
                    }
                }));
            }
            for (Thread thread : threads) {
                thread.join(Duration.ofSeconds(60));
            }
            reader.join(Duration.ofSeconds(30));
            reader.interrupt();

            List<Long> all = log.after(start, null, null, 1000).stream().map(VideoEvent::eventId).toList();
            assertThat(all).hasSize(writers * perWriter);
            assertThat(seen).containsExactlyElementsOf(all);
        }
    }

    @ParameterizedTest
    @EnumSource(JobDatabase.Target.class)
    void pruneKeepsTheNewestEventsPerUserAndDropsOldOnes(JobDatabase.Target target) {
        try (JobDatabase jobs = JobDatabase.open(target)) {
            JobStore store = new JobStore(jobs.db, jobs.videos, jobs.usage, Clock.systemUTC());
            VideoEventRepository log = new VideoEventRepository(jobs.db, Clock.systemUTC(), Json.create());
            long busy = jobs.user();
            long quiet = jobs.user();
            List<String> busyVideos = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                busyVideos.add(submit(jobs, store, busy, null));
            }
            String quietVideo = submit(jobs, store, quiet, null);

            long pruned = log.prune(2, Instant.now().minus(Duration.ofHours(1)));

            assertThat(pruned).isEqualTo(3);
            assertThat(log.after(0, busy, null, 10)).extracting(VideoEvent::videoId)
                    .containsExactlyElementsOf(busyVideos.subList(3, 5));
            assertThat(log.after(0, quiet, null, 10)).extracting(VideoEvent::videoId).containsExactly(quietVideo);
            assertThat(log.prune(2, Instant.now().plus(Duration.ofMinutes(1)))).isEqualTo(3);
            assertThat(log.after(0, null, null, 10)).isEmpty();
        }
    }

    @ParameterizedTest
    @EnumSource(JobDatabase.Target.class)
    void pruneDeletesInChunksToTheSameResult(JobDatabase.Target target) {
        try (JobDatabase jobs = JobDatabase.open(target)) {
            JobStore store = new JobStore(jobs.db, jobs.videos, jobs.usage, Clock.systemUTC());
            VideoEventRepository log = new VideoEventRepository(jobs.db, Clock.systemUTC(), Json.create());
            long busy = jobs.user();
            List<String> busyVideos = new ArrayList<>();
            for (int i = 0; i < 7; i++) {
                busyVideos.add(submit(jobs, store, busy, null));
            }

            assertThat(log.prune(2, Instant.now().minus(Duration.ofHours(1)), 2)).isEqualTo(5);
            assertThat(log.after(0, busy, null, 10)).extracting(VideoEvent::videoId)
                    .containsExactlyElementsOf(busyVideos.subList(5, 7));
            assertThat(log.prune(5, Instant.now().plus(Duration.ofMinutes(1)), 1)).isEqualTo(2);
            assertThat(log.after(0, null, null, 10)).isEmpty();
        }
    }

    @ParameterizedTest
    @EnumSource(JobDatabase.Target.class)
    void deletingAUserDeletesItsEventsInTheSameTransaction(JobDatabase.Target target) {
        try (JobDatabase jobs = JobDatabase.open(target)) {
            JobStore store = new JobStore(jobs.db, jobs.videos, jobs.usage, Clock.systemUTC());
            VideoEventRepository log = new VideoEventRepository(jobs.db, Clock.systemUTC(), Json.create());
            UserRepository users = new UserRepository(jobs.db, Clock.systemUTC());
            long gone = jobs.user();
            long kept = jobs.user();
            submit(jobs, store, gone, null);
            String keptVideo = submit(jobs, store, kept, null);

            boolean deleted = jobs.db.inTransaction(tx -> users.delete(tx, gone));

            assertThat(deleted).isTrue();

            assertThat(log.after(0, gone, null, 10)).isEmpty();
            assertThat(log.after(0, null, null, 10)).extracting(VideoEvent::videoId).containsExactly(keptVideo);
        }
    }

    private static String submit(JobDatabase jobs, JobStore store, long userId, @Nullable String options) {
        String videoId = "vid_" + UUID.randomUUID().toString().replace("-", "");
        jobs.db.inTransaction(tx -> {
            String jobId = JobEngine.newJobId();
            jobs.videos.insert(tx, videoId, userId, "clip.mp4", 3, options, null, jobId);
            store.insert(tx, jobId, videoId, userId, null, null);
            return jobId;
        });
        return videoId;
    }
}
