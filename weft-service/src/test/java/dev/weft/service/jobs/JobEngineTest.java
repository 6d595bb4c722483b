package dev.weft.service.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.weft.service.provider.LocalProvider;
import dev.weft.service.provider.ProviderException;
import dev.weft.service.provider.ProviderHealth;
import dev.weft.service.provider.ProviderStatus;
import dev.weft.service.provider.VideoProvider;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.slf4j.LoggerFactory;

@Timeout(value = 90, unit = TimeUnit.SECONDS)
class JobEngineTest {
    private static final JobsConfig FAST = JobsConfig.defaults().withWorkers(3).withLease(Duration.ofSeconds(2))
            .withPolling(Duration.ofMillis(50), Duration.ofMillis(100))
            .withRetries(3, Duration.ofMillis(50), Duration.ofMillis(200));

    private static JobEngine engine(JobDatabase jobs, VideoProvider provider, JobsConfig config,
            Map<String, Integer> changes) {
        return JobEngine.create(jobs.db, jobs.videos, jobs.usage, provider, config, Clock.systemUTC(),
                new SimpleMeterRegistry(), (videoId, userId) -> changes.merge(videoId, 1, Integer::sum));
    }

    @ParameterizedTest
    @EnumSource(JobDatabase.Target.class)
    void completesEveryJobOnceWithUsageLogged(JobDatabase.Target target) {
        Map<String, Integer> changes = new ConcurrentHashMap<>();
        try (JobDatabase jobs = JobDatabase.open(target);
                LocalProvider provider = LocalProvider.create(Duration.ofMillis(200), Clock.systemUTC());
                JobEngine engine = engine(jobs, provider, FAST, changes)) {
            engine.start();
            long user = jobs.user();
            List<String> videos = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                videos.add(jobs.submit(engine, user, "{\"model\":\"m-" + (i % 2) + "\"}"));
            }

            await().atMost(Duration.ofSeconds(30)).until(() -> videos.stream()
                    .allMatch(id -> jobs.video(id).status().equals("completed")));

            for (String id : videos) {
                JobRow job = jobs.job(id);
                assertThat(job.state()).isEqualTo(JobState.COMPLETED);
                assertThat(job.leaseOwner()).isNull();
                assertThat(jobs.video(id).resultUrl()).startsWith("local://results/");
                assertThat(jobs.video(id).externalJobId()).isEqualTo(job.externalJobId());
                assertThat(jobs.usageRows(id)).isEqualTo(1);
                assertThat(provider.processCalls(job.jobId() + ":process")).isEqualTo(1);
                assertThat(changes.get(id)).isGreaterThanOrEqualTo(3);
            }
            assertThat(engine.queueDepth()).isZero();
        }
    }

    @ParameterizedTest
    @EnumSource(value = JobDatabase.Target.class, names = {"SQLITE", "POSTGRESQL"})
    void failsWithTheReasonAfterBoundedRetries(JobDatabase.Target target) {
        AtomicInteger uploads = new AtomicInteger();
        VideoProvider down =
                new FailingUploads("down", uploads, () -> ProviderException.unavailable("down", "injected"));
        try (JobDatabase jobs = JobDatabase.open(target);
                JobEngine engine = engine(jobs, down, FAST, new ConcurrentHashMap<>())) {
            engine.start();
            String video = jobs.submit(engine, jobs.user(), null);

            await().atMost(Duration.ofSeconds(20)).until(() -> jobs.video(video).status().equals("failed"));

            assertThat(uploads.get()).isEqualTo(3);
            assertThat(jobs.job(video).attempts()).isEqualTo(3);
            assertThat(jobs.video(video).error()).contains("gave up after 3 attempts").contains("provider_unavailable");
        }
    }

    @ParameterizedTest
    @EnumSource(value = JobDatabase.Target.class, names = {"SQLITE", "POSTGRESQL"})
    void anIdleInstanceLooksForWorkOncePerIdlePollNotOncePerWorker(JobDatabase.Target target) throws Exception {
        JobsConfig sixteen = FAST.withWorkers(16);
        try (JobDatabase jobs = JobDatabase.open(target);
                LocalProvider provider = LocalProvider.create(Duration.ofSeconds(2), Clock.systemUTC());
                JobEngine engine = engine(jobs, provider, sixteen, new ConcurrentHashMap<>())) {
            engine.start();
            Thread.sleep(500); // past the first claims, one per worker
            long before = jobs.db.queryMetrics().total();
            Thread.sleep(2_000);
            long queries = jobs.db.queryMetrics().total() - before;

            // 20 idle polls of 100 ms: about 20 claims (one per worker would be 320), and the job counts
            assertThat(queries).as("database operations of an idle engine in 2 s").isBetween(5L, 40L);

            // a backlog that no wake-up announced (another instance's, or retries coming due) is found within an
            // idle poll and taken up by many workers at once, not one at a time
            List<String> videos = new ArrayList<>();
            try (JobEngine other = engine(jobs, provider, FAST.withWorkers(0), new ConcurrentHashMap<>())) {
                for (int i = 0; i < 12; i++) {
                    videos.add(jobs.submit(other, jobs.user(), null));
                }
            }
            int mostAtOnce = 0;
            long giveUp = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (!videos.stream().allMatch(video -> jobs.video(video).status().equals("completed"))
                    && System.nanoTime() < giveUp) {
                int inFlight = (int) videos.stream().map(jobs::job)
                        .filter(job -> job.state() != JobState.QUEUED && !job.state().isFinal()).count();
                mostAtOnce = Math.max(mostAtOnce, inFlight);
                Thread.sleep(50);
            }
            assertThat(videos).allSatisfy(video -> assertThat(jobs.video(video).status()).isEqualTo("completed"));
            assertThat(mostAtOnce).as("jobs under way at once (each takes the provider 2 s)").isGreaterThan(6);
        }
    }

    @ParameterizedTest
    @EnumSource(value = JobDatabase.Target.class, names = {"SQLITE", "POSTGRESQL"})
    void reportsTheProvidersOwnFailureWithoutRetrying(JobDatabase.Target target) {
        try (JobDatabase jobs = JobDatabase.open(target);
                LocalProvider provider = LocalProvider.create(Duration.ofMillis(100), Clock.systemUTC());
                JobEngine engine = engine(jobs, provider, FAST, new ConcurrentHashMap<>())) {
            engine.start();
            String video = jobs.submit(engine, jobs.user(), "{\"simulate\":\"fail\"}");

            await().atMost(Duration.ofSeconds(20)).until(() -> jobs.video(video).status().equals("failed"));

            assertThat(jobs.video(video).error()).isEqualTo(StepRunner.PROVIDER_FAILED);
            assertThat(jobs.job(video).attempts()).as("the provider's verdict is one failed try").isEqualTo(1);
            assertThat(jobs.usageRows(video)).isZero();
        }
    }

    @ParameterizedTest
    @EnumSource(value = JobDatabase.Target.class, names = {"SQLITE", "POSTGRESQL"})
    void cancelsARunningJobAtTheNextStepBoundary(JobDatabase.Target target) {
        try (JobDatabase jobs = JobDatabase.open(target);
                LocalProvider provider = LocalProvider.create(Duration.ofSeconds(30), Clock.systemUTC());
                JobEngine engine = engine(jobs, provider, FAST, new ConcurrentHashMap<>())) {
            engine.start();
            String video = jobs.submit(engine, jobs.user(), null);
            await().atMost(Duration.ofSeconds(20)).until(() -> jobs.job(video).state() == JobState.POLLING);

            JobEngine.CancelResult result = engine.cancel(video);

            assertThat(result).isEqualTo(JobEngine.CancelResult.CANCELLED);
            assertThat(jobs.video(video).status()).isEqualTo("cancelled");
            await().atMost(Duration.ofSeconds(10)).until(() -> jobs.job(video).state() == JobState.CANCELLED);
            assertThat(jobs.job(video).leaseOwner()).isNull();
            assertThat(jobs.usageRows(video)).isZero();
            assertThat(engine.cancel(video)).isEqualTo(JobEngine.CancelResult.ALREADY_FINAL);
        }
    }

    @ParameterizedTest
    @EnumSource(value = JobDatabase.Target.class, names = {"SQLITE"})
    void answersItsOwnRecentCountOrCountsNowWhenThatIsTooOld(JobDatabase.Target target) {
        try (JobDatabase jobs = JobDatabase.open(target);
                LocalProvider provider = LocalProvider.create(Duration.ofMillis(100), Clock.systemUTC());
                JobEngine engine = engine(jobs, provider, FAST.withWorkers(0), new ConcurrentHashMap<>())) {
            engine.start(); // counts once at start: no job yet
            jobs.submit(engine, jobs.user(), null);

            assertThat(engine.countByState(Duration.ofMinutes(1))).as("the count taken at start")
                    .containsEntry(JobState.QUEUED, 0L).hasSize(JobState.values().length);
            assertThat(engine.countByState(Duration.ofMillis(-1))).as("too old: counted now")
                    .containsEntry(JobState.QUEUED, 1L).hasSize(JobState.values().length);
        }
    }

    @ParameterizedTest
    @EnumSource(value = JobDatabase.Target.class, names = {"SQLITE", "POSTGRESQL"})
    void cancelsAQueuedJobAtOnce(JobDatabase.Target target) {
        try (JobDatabase jobs = JobDatabase.open(target);
                LocalProvider provider = LocalProvider.create(Duration.ofMillis(100), Clock.systemUTC());
                JobEngine engine = engine(jobs, provider, FAST.withWorkers(0), new ConcurrentHashMap<>())) {
            engine.start();
            String video = jobs.submit(engine, jobs.user(), null);

            assertThat(engine.cancel(video)).isEqualTo(JobEngine.CancelResult.CANCELLED);

            assertThat(jobs.job(video).state()).isEqualTo(JobState.CANCELLED);
            assertThat(jobs.video(video).status()).isEqualTo("cancelled");
            assertThat(engine.cancel("vid_missing")).isEqualTo(JobEngine.CancelResult.NOT_FOUND);
        }
    }

    @ParameterizedTest
    @EnumSource(value = JobDatabase.Target.class, names = {"SQLITE", "POSTGRESQL", "MARIADB"})
    void resumesAJobWhoseWorkerDiedOnceItsLeaseLapses(JobDatabase.Target target) {
        try (JobDatabase jobs = JobDatabase.open(target);
                LocalProvider provider = LocalProvider.create(Duration.ofMillis(200), Clock.systemUTC())) {
            JobStore store = new JobStore(jobs.db, jobs.videos, jobs.usage, Clock.systemUTC());
            String video;
            try (JobEngine idle = engine(jobs, provider, FAST.withWorkers(0), new ConcurrentHashMap<>())) {
                video = jobs.submit(idle, jobs.user(), null);
            }
            // a worker that claimed the job, recorded the start of the upload, then died
            JobRow claimed = store.claim("dead-instance/0", Duration.ofSeconds(1)).orElseThrow();
            assertThat(store.advance(claimed, "dead-instance/0", JobState.UPLOADING, Map.of(),
                    Map.of("status", "uploading"), Duration.ofSeconds(1))).isTrue();
            assertThat(store.claim("other/0", Duration.ofSeconds(1))).isEmpty();

            try (JobEngine engine = engine(jobs, provider, FAST, new ConcurrentHashMap<>())) {
                engine.start();
                await().atMost(Duration.ofSeconds(20)).until(() -> jobs.video(video).status().equals("completed"));
            }

            JobRow job = jobs.job(video);
            assertThat(provider.processCalls(job.jobId() + ":process")).isEqualTo(1);
            assertThat(jobs.usageRows(video)).isEqualTo(1);
        }
    }

    @ParameterizedTest
    @EnumSource(value = JobDatabase.Target.class, names = {"SQLITE", "POSTGRESQL"})
    void parksJobsOnStopAndAnotherInstanceFinishesThem(JobDatabase.Target target) {
        try (JobDatabase jobs = JobDatabase.open(target);
                LocalProvider provider = LocalProvider.create(Duration.ofSeconds(2), Clock.systemUTC())) {
            String video;
            JobEngine first = engine(jobs, provider, FAST, new ConcurrentHashMap<>());
            first.start();
            video = jobs.submit(first, jobs.user(), null);
            await().atMost(Duration.ofSeconds(20)).until(() -> jobs.job(video).state() == JobState.POLLING);

            first.close();

            JobRow parked = jobs.job(video);
            assertThat(parked.state()).isEqualTo(JobState.POLLING);
            assertThat(parked.leaseOwner()).isNull();
            try (JobEngine second = engine(jobs, provider, FAST, new ConcurrentHashMap<>())) {
                second.start();
                await().atMost(Duration.ofSeconds(20)).until(() -> jobs.video(video).status().equals("completed"));
            }
            assertThat(provider.processCalls(parked.jobId() + ":process")).isEqualTo(1);
        }
    }

    @ParameterizedTest
    @EnumSource(value = JobDatabase.Target.class, names = {"SQLITE", "POSTGRESQL"})
    void flowControlSpendsNoAttemptAndOnlyTheDeadlineEndsTheJob(JobDatabase.Target target) {
        AtomicInteger uploads = new AtomicInteger();
        JobsConfig config = FAST.withRetries(1, Duration.ofMillis(50), Duration.ofMillis(200))
                .withDeadline(Duration.ofSeconds(2));
        VideoProvider busy = new FailingUploads("busy", uploads, () -> new ProviderLimit.Busy("injected"));
        try (JobDatabase jobs = JobDatabase.open(target);
                JobEngine engine = engine(jobs, busy, config, new ConcurrentHashMap<>())) {
            engine.start();
            String video = jobs.submit(engine, jobs.user(), null);

            await().atMost(Duration.ofSeconds(20)).until(() -> jobs.video(video).status().equals("failed"));

            assertThat(uploads.get()).as("tried again and again, not once (max attempts is 1)").isGreaterThan(3);
            assertThat(jobs.job(video).attempts()).isZero();
            assertThat(jobs.video(video).error()).startsWith("deadline_exceeded: ").endsWith("(last: provider_busy)");
        }
    }

    @ParameterizedTest
    @EnumSource(value = JobDatabase.Target.class, names = {"SQLITE"})
    void waitsForTheProviderShowAtTheDefaultLevelOnceAMinuteNotOncePerTry(JobDatabase.Target target) {
        // each wait is logged at DEBUG only: a provider that was down (or a PROVIDER_URL naming the wrong port)
        // left no line at the default level while every job waited up to its deadline
        ListAppender<ILoggingEvent> lines = new ListAppender<>();
        Logger logger = (Logger) LoggerFactory.getLogger(JobEngine.class);
        AtomicInteger uploads = new AtomicInteger();
        VideoProvider busy = new FailingUploads("busy", uploads, () -> new ProviderLimit.Busy("injected"));
        try (JobDatabase jobs = JobDatabase.open(target);
                JobEngine engine = engine(jobs, busy, FAST, new ConcurrentHashMap<>())) {
            lines.start();
            logger.addAppender(lines);
            engine.start();
            String video = jobs.submit(engine, jobs.user(), null);

            await().atMost(Duration.ofSeconds(20)).until(() -> uploads.get() > 5);

            List<ILoggingEvent> warnings = lines.list.stream().filter(line -> line.getLevel() == Level.WARN).toList();
            assertThat(warnings).as("one line for many waits").singleElement()
                    .extracting(ILoggingEvent::getFormattedMessage)
                    .isEqualTo("jobs are waiting for the video provider");
            assertThat(warnings.getFirst().getKeyValuePairs()).anySatisfy(pair -> {
                assertThat(pair.key).isEqualTo("job.id");
                assertThat(pair.value).isEqualTo(jobs.job(video).jobId());
            });
        } finally {
            logger.detachAppender(lines);
        }
    }

    @ParameterizedTest
    @EnumSource(value = JobDatabase.Target.class, names = {"POSTGRESQL"})
    void aStepLongerThanTheLeaseKeepsItsJobBecauseTheHeartbeatRenewsApart(JobDatabase.Target target) {
        JobsConfig config = FAST.withWorkers(2).withLease(Duration.ofSeconds(2));
        try (JobDatabase jobs = JobDatabase.open(target);
                LocalProvider local = LocalProvider.create(Duration.ofMillis(100), Clock.systemUTC());
                SlowUploads slow = new SlowUploads(local, Duration.ofSeconds(5));
                JobEngine first = engine(jobs, slow, config, new ConcurrentHashMap<>());
                JobEngine second = engine(jobs, slow, config, new ConcurrentHashMap<>())) {
            first.start();
            String video = jobs.submit(first, jobs.user(), null);
            await().atMost(Duration.ofSeconds(10)).until(() -> slow.uploads.get() == 1);
            second.start();

            await().atMost(Duration.ofSeconds(30)).until(() -> jobs.video(video).status().equals("completed"));

            assertThat(slow.uploads.get()).as("no other worker took the job mid-upload").isEqualTo(1);
            assertThat(jobs.job(video).attempts()).isZero();
        }
    }

    /** Uploads that take longer than a lease. */
    private record SlowUploads(LocalProvider delegate, Duration delay, AtomicInteger uploads)
            implements VideoProvider {
        SlowUploads(LocalProvider delegate, Duration delay) {
            this(delegate, delay, new AtomicInteger());
        }

        @Override
        public String name() {
            return "slow";
        }

        @Override
        public String upload(Path file, String idempotencyKey) {
            uploads.incrementAndGet();
            try {
                Thread.sleep(delay);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return delegate.upload(file, idempotencyKey);
        }

        @Override
        public String startProcessing(String url, String optionsJson, String idempotencyKey) {
            return delegate.startProcessing(url, optionsJson, idempotencyKey);
        }

        @Override
        public ProviderStatus status(String jobId) {
            return delegate.status(jobId);
        }

        @Override
        public ProviderHealth health() {
            return delegate.health();
        }

        @Override
        public void close() {
        }
    }

    /**
     * A provider whose every upload fails with {@code failure}, counted in {@code uploads}: "busy, come back later"
     * (flow control) or a retryable error. Nothing after an upload is reached.
     */
    private record FailingUploads(String name, AtomicInteger uploads, Supplier<RuntimeException> failure)
            implements VideoProvider {
        @Override
        public String upload(Path file, String idempotencyKey) {
            uploads.incrementAndGet();
            throw failure.get();
        }

        @Override
        public String startProcessing(String url, String optionsJson, String idempotencyKey) {
            throw new AssertionError("never reached");
        }

        @Override
        public ProviderStatus status(String jobId) {
            throw new AssertionError("never reached");
        }

        @Override
        public ProviderHealth health() {
            return new ProviderHealth(false, Map.of());
        }

        @Override
        public void close() {
        }
    }
}
