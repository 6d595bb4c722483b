package dev.weft.service.jobs;

import dev.weft.core.WeftException;
import dev.weft.db.Database;
import dev.weft.db.SqlOperations;
import dev.weft.service.FailureLogThrottle;
import dev.weft.service.Tracing;
import dev.weft.service.data.Uploads;
import dev.weft.service.data.UsageRepository;
import dev.weft.service.data.VideoEventRepository;
import dev.weft.service.data.VideoRepository;
import dev.weft.service.data.VideoRow;
import dev.weft.service.http.CurrentRequest;
import dev.weft.service.provider.VideoProvider;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.api.OpenTelemetry;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs video jobs: {@link JobsConfig#workers()} virtual threads claim due jobs from the {@code jobs} table and drive
 * each through the provider one recorded step at a time ({@link JobState}): upload, start processing, poll, then
 * log the model usage and finish the video in one transaction. Provider calls carry idempotency keys derived from
 * the job id and the step ({@code <job_id>:upload}, {@code <job_id>:process}), so a step repeated after a crash
 * or a lost answer does nothing twice. While the queue is empty, one worker of the instance claims each idle poll and
 * the others wait ({@link WorkSignal}); a job submitted here, or one that claim finds, sets them all looking.
 *
 * <p>A claimed job is leased: a heartbeat renews the leases this instance holds every third of the lease, apart
 * from the step in flight; a worker checks it still holds the lease before every provider call and every write,
 * and lets go of a job whose lease it could not renew in time. A lease that lapses (the instance died) lets any
 * instance take the job and resume from its last recorded step.
 *
 * <p>Each failed step is classified once ({@link StepFault}): flow control (an open breaker, a 429 or 503 with
 * {@code Retry-After}, a busy provider) reschedules the step for when the provider said, or the breaker
 * half-opens, without spending an attempt; a real fault spends one and backs off exponentially; after
 * {@link JobsConfig#maxAttempts()} real faults, a permanent fault, or past the job's {@link JobsConfig#deadline()},
 * the job is {@code failed}. The video shows a stable code and a short sentence; the fault's own text (classes,
 * hosts) goes to the log with the job id. Provider calls pass an adaptive concurrency limit ({@link ProviderLimit}).
 * A cancel is
 * honoured at the next step boundary. {@link #close()} lets workers park their jobs at a step boundary (freeing
 * their leases) and waits for them within {@link JobsConfig#stopTimeout()}.
 *
 * <p>Metrics: {@code weft.jobs} (gauge per state), {@code weft.jobs.step} (timer per step and outcome),
 * {@code weft.jobs.provider.calls} (timer per operation and outcome), {@code weft.jobs.finished} (per final state).
 *
 * <p>Thread-safe.
 */
public final class JobEngine implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(JobEngine.class);

    /** Told after a job changed its video, so cached views of it are dropped. */
    @FunctionalInterface
    public interface Listener {
        /** @param videoId the video @param userId its owner */
        void videoChanged(String videoId, long userId);
    }

    /**
     * Work that runs beside the job workers and shares their lifecycle: started by {@link #start()}, woken by
     * {@link #wakeUp()} and after every status change a worker commits, closed by {@link #close()} (the webhook
     * delivery loop). Implementations are thread-safe.
     */
    public interface Companion {
        /** Starts; called once, by {@link JobEngine#start()}. */
        void start();

        /** Something may be due now (a status change committed); must not block. */
        void wakeUp();

        /** Stops within {@link JobsConfig#stopTimeout()}; called once, by {@link JobEngine#close()}. */
        void close();
    }

    /** What {@link #cancel(String)} did. */
    public enum CancelResult {
        /** Cancelled now, or flagged for the worker to stop at its next step boundary. */
        CANCELLED,
        /** The video had already reached a final status. */
        ALREADY_FINAL,
        /** No such video. */
        NOT_FOUND
    }

    private final JobStore store;
    private final VideoRepository videos;
    private final VideoProvider provider;
    private final JobsConfig config;
    private final Clock clock;
    private final MeterRegistry registry;
    private final Listener listener;
    private final String instanceId;
    private final AtomicBoolean started = new AtomicBoolean();
    private final AtomicBoolean stopping = new AtomicBoolean();
    private final WorkSignal signal = new WorkSignal();
    // every worker meets an outage at once and polls again each idle poll: one line per code each 10 s for all of them
    private final FailureLogThrottle claimFailures = new FailureLogThrottle(TimeUnit.SECONDS.toNanos(10));
    private final Leases leases;
    private final StepRunner steps;
    private final Map<JobState, AtomicLong> stateCounts = new EnumMap<>(JobState.class);
    private final List<Thread> workers = new ArrayList<>();
    private @Nullable Thread heartbeat;
    private volatile long lastCount;
    // when the counts last succeeded: a failed count leaves the gauges as they were, which then do not pass for fresh
    private volatile long countedAt = Long.MIN_VALUE / 2;
    private final List<Runnable> housekeeping = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final List<Companion> companions = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final AtomicBoolean housekeepingRunning = new AtomicBoolean();
    private volatile long lastHousekeeping = System.currentTimeMillis();

    private JobEngine(Database db, VideoRepository videos, UsageRepository usage, VideoProvider provider,
            JobsConfig config, Clock clock, MeterRegistry registry, Listener listener, OpenTelemetry openTelemetry,
            VideoEventRepository.Outbox outbox) {
        this.store = new JobStore(db, videos, usage, clock, outbox);
        this.videos = Objects.requireNonNull(videos, "videos");
        this.provider = Objects.requireNonNull(provider, "provider");
        this.config = Objects.requireNonNull(config, "config");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.registry = Objects.requireNonNull(registry, "registry");
        Objects.requireNonNull(listener, "listener");
        // companions (the webhook deliveries) hear of each committed status change, as the caches do
        this.listener = (videoId, userId) -> {
            try {
                listener.videoChanged(videoId, userId);
            } finally {
                companions.forEach(Companion::wakeUp);
            }
        };
        this.instanceId = "w-" + ProcessHandle.current().pid() + "-" + UUID.randomUUID().toString().substring(0, 8);
        ProviderLimit providerLimit = new ProviderLimit(Math.max(1, config.workers()), Math.max(1, config.workers()),
                System::nanoTime);
        this.leases = new Leases(store, config, clock);
        this.steps = new StepRunner(store, videos, provider, config, clock, registry, this.listener, leases,
                providerLimit,
                signal, stopping, new JobTrace(openTelemetry.getTracer(Tracing.SCOPE)));
        Gauge.builder("weft.jobs.provider.limit", providerLimit, ProviderLimit::limit)
                .description("Adaptive limit of job calls in flight to the provider").register(registry);
        for (JobState state : JobState.values()) {
            AtomicLong count = new AtomicLong();
            stateCounts.put(state, count);
            Gauge.builder("weft.jobs", count, AtomicLong::get).description("Jobs per state, refreshed every few seconds")
                    .tag("state", state.wireName()).register(registry);
        }
        // registered up front with a help text: each outcome's series exists at 0 from the start (rate() over a
        // series that appears with its first job misses that job), and the counters made where a job ends share them
        for (JobState state : JobState.values()) {
            if (state.isFinal()) {
                Counter.builder("weft.jobs.finished").description("Jobs that reached a final state, by that state")
                        .tag("state", state.wireName()).register(registry);
            }
        }
        Counter.builder("weft.jobs.cancel.requests").description("Cancellations asked for").register(registry);
    }

    /**
     * @param db the database holding {@code jobs}, {@code videos} and {@code model_usage}
     * @param videos the videos
     * @param usage model usage
     * @param provider the provider (not closed by the engine)
     * @param config the settings
     * @param clock the clock (leases, backoff, time stamps)
     * @param registry where the job metrics go
     * @param listener told after a job changed a video
     * @return the engine, not started
     */
    public static JobEngine create(Database db, VideoRepository videos, UsageRepository usage, VideoProvider provider,
            JobsConfig config, Clock clock, MeterRegistry registry, Listener listener) {
        return create(db, videos, usage, provider, config, clock, registry, listener, OpenTelemetry.noop());
    }

    /**
     * As {@link #create(Database, VideoRepository, UsageRepository, VideoProvider, JobsConfig, Clock, MeterRegistry,
     * Listener)}, with each job step in a span of {@code openTelemetry}, a child of the submitting request's span.
     *
     * @param db the database holding {@code jobs}, {@code videos} and {@code model_usage}
     * @param videos the videos
     * @param usage model usage
     * @param provider the provider (not closed by the engine)
     * @param config the settings
     * @param clock the clock (leases, backoff, time stamps)
     * @param registry where the job metrics go
     * @param listener told after a job changed a video
     * @param openTelemetry where the step spans go ({@link OpenTelemetry#noop()} for none)
     * @return the engine, not started
     */
    public static JobEngine create(Database db, VideoRepository videos, UsageRepository usage, VideoProvider provider,
            JobsConfig config, Clock clock, MeterRegistry registry, Listener listener, OpenTelemetry openTelemetry) {
        return create(db, videos, usage, provider, config, clock, registry, listener, openTelemetry,
                VideoEventRepository.Outbox.NONE);
    }

    /**
     * As {@link #create(Database, VideoRepository, UsageRepository, VideoProvider, JobsConfig, Clock, MeterRegistry,
     * Listener, OpenTelemetry)}, with an outbox that adds to the transaction of every status change (the webhook
     * deliveries of {@code dev.weft.service.webhooks.WebhookOutbox}).
     *
     * @param db the database holding {@code jobs}, {@code videos} and {@code model_usage}
     * @param videos the videos
     * @param usage model usage
     * @param provider the provider (not closed by the engine)
     * @param config the settings
     * @param clock the clock (leases, backoff, time stamps)
     * @param registry where the job metrics go
     * @param listener told after a job changed a video
     * @param openTelemetry where the step spans go ({@link OpenTelemetry#noop()} for none)
     * @param outbox what each event adds to its transaction
     * @return the engine, not started
     */
    public static JobEngine create(Database db, VideoRepository videos, UsageRepository usage, VideoProvider provider,
            JobsConfig config, Clock clock, MeterRegistry registry, Listener listener, OpenTelemetry openTelemetry,
            VideoEventRepository.Outbox outbox) {
        return new JobEngine(db, videos, usage, provider, config, clock, registry, listener,
                Objects.requireNonNull(openTelemetry, "openTelemetry"), Objects.requireNonNull(outbox, "outbox"));
    }

    /**
     * A job's {@code callback_url}: every status change of its video is delivered there, signed with its own
     * secret.
     *
     * @param url the URL, already checked by the URL policy
     * @param secretSealed the signing secret, sealed by {@code SecretBox}
     */
    public record Callback(String url, String secretSealed) {
        /** Checks the parts. */
        public Callback {
            Objects.requireNonNull(url, "url");
            Objects.requireNonNull(secretSealed, "secretSealed");
        }
    }

    /** @return this instance's worker id prefix (lease owners are {@code <id>/<worker>}) */
    public String instanceId() {
        return instanceId;
    }

    /** @return the settings */
    public JobsConfig config() {
        return config;
    }

    /** Starts the workers and the lease heartbeat. Idempotent. */
    public void start() {
        if (!started.compareAndSet(false, true)) {
            return;
        }
        refreshCounts();
        for (int i = 0; i < config.workers(); i++) {
            String owner = instanceId + "/" + i;
            workers.add(Thread.ofVirtual().name("weft-job-worker-" + i).start(() -> workerLoop(owner)));
        }
        heartbeat = Thread.ofVirtual().name("weft-job-heartbeat").start(() -> leases.heartbeatLoop(stopping, () -> {
            if (System.currentTimeMillis() - lastCount > 5_000) {
                refreshCounts();
            }
            if (System.currentTimeMillis() - lastHousekeeping > HOUSEKEEPING_INTERVAL.toMillis()) {
                lastHousekeeping = System.currentTimeMillis();
                runHousekeeping();
            }
        }));
        companions.forEach(Companion::start);
        LOG.atInfo().setMessage("job workers started").addKeyValue("workers", config.workers())
                .addKeyValue("instance", instanceId).addKeyValue("provider", provider.name()).log();
    }

    /**
     * Adds a queued job for a video, inside the caller's transaction (the video row is inserted in the same one),
     * with the current span's W3C {@code traceparent} and the current request's id, so its steps join the request's
     * trace and logs, and logs the video's {@code queued} event in the same transaction. Call {@link #wakeUp()} after
     * the commit.
     *
     * @param tx the open transaction
     * @param videoId the video
     * @param userId its owner
     * @return the new job id
     */
    public String submit(SqlOperations tx, String videoId, long userId) {
        return submit(tx, videoId, userId, newJobId());
    }

    /**
     * As {@link #submit(SqlOperations, String, long)} with a job id chosen by the caller (from {@link #newJobId()}),
     * for a caller that stores it in the video row first.
     *
     * @param tx the open transaction
     * @param videoId the video
     * @param userId its owner
     * @param jobId the new job's id
     * @return {@code jobId}
     */
    public String submit(SqlOperations tx, String videoId, long userId, String jobId) {
        return submit(tx, videoId, userId, jobId, null);
    }

    /**
     * As {@link #submit(SqlOperations, String, long, String)} with a {@code callback_url} for the job, stored before
     * the {@code queued} event so that event already goes to it.
     *
     * @param tx the open transaction
     * @param videoId the video
     * @param userId its owner
     * @param jobId the new job's id
     * @param callback the callback, or {@code null} for none
     * @return {@code jobId}
     */
    public String submit(SqlOperations tx, String videoId, long userId, String jobId, @Nullable Callback callback) {
        store.insert(tx, jobId, videoId, userId, JobTrace.submitting(), CurrentRequest.id().orElse(null), callback);
        return jobId;
    }

    /** @return a fresh job id */
    public static String newJobId() {
        return "job_" + UUID.randomUUID().toString().replace("-", "");
    }

    /**
     * Adds a task to the engine's housekeeping, run about every {@link #HOUSEKEEPING_INTERVAL} once the engine started
     * (pruning the event log, for one), on a virtual thread of its own so a slow task never delays lease renewals.
     * A failing task is logged and tried again next time.
     *
     * @param task the task; it must not throw checked exceptions and should bound its own work
     */
    public void addHousekeeping(Runnable task) {
        housekeeping.add(Objects.requireNonNull(task, "task"));
    }

    /** How often {@link #addHousekeeping housekeeping} tasks run. */
    public static final Duration HOUSEKEEPING_INTERVAL = Duration.ofMinutes(1);

    private void runHousekeeping() {
        if (housekeeping.isEmpty() || !housekeepingRunning.compareAndSet(false, true)) {
            return;
        }
        Thread.ofVirtual().name("weft-job-housekeeping").start(() -> {
            try {
                for (Runnable task : housekeeping) {
                    try {
                        task.run();
                    } catch (RuntimeException e) {
                        LOG.atWarn().setMessage("housekeeping task failed").addKeyValue("error.code", code(e)).log();
                    }
                }
            } finally {
                housekeepingRunning.set(false);
            }
        });
    }

    /**
     * Adds work that shares the engine's lifecycle; add it before {@link #start()}.
     *
     * @param companion the work
     * @throws IllegalStateException if the engine already started
     */
    public void addCompanion(Companion companion) {
        Objects.requireNonNull(companion, "companion");
        if (started.get()) {
            throw new IllegalStateException("add companions before the engine starts");
        }
        companions.add(companion);
    }

    /** Wakes idle workers (and companions) so a job just committed starts at once. */
    public void wakeUp() {
        signal.wakeUp();
        companions.forEach(Companion::wakeUp);
    }

    /**
     * Cancels a video's job at any step that is not final.
     *
     * @param videoId the video
     * @return what happened
     */
    public CancelResult cancel(String videoId) {
        Optional<JobRow> before = store.forVideo(videoId);
        JobStore.CancelOutcome outcome = store.cancel(videoId);
        return switch (outcome) {
            case NOT_FOUND -> CancelResult.NOT_FOUND;
            case ALREADY_FINAL -> CancelResult.ALREADY_FINAL;
            case CANCELLED -> {
                before.ifPresent(job -> {
                    registry.counter("weft.jobs.cancel.requests").increment();
                    listener.videoChanged(job.videoId(), job.userId());
                    if (store.get(job.jobId()).map(row -> row.state().isFinal()).orElse(false)) {
                        // no worker held it: cancelled at once, so nothing will read the upload again
                        registry.counter("weft.jobs.finished", "state", JobState.CANCELLED.wireName()).increment();
                        videos.getByVideoId(videoId).map(VideoRow::storagePath)
                                .ifPresent(path -> Uploads.delete(List.of(path), "cancelled"));
                    }
                });
                wakeUp();
                yield CancelResult.CANCELLED;
            }
        };
    }

    /** @param videoId a video @return its latest job */
    public Optional<JobRow> jobForVideo(String videoId) {
        return store.forVideo(videoId);
    }

    /** @param jobId a job @return the job */
    public Optional<JobRow> job(String jobId) {
        return store.get(jobId);
    }

    /** @return jobs not yet final, read now */
    public long queueDepth() {
        return store.queueDepth();
    }

    /** @return jobs per state, read now */
    public Map<JobState, Long> countByState() {
        return store.countByState();
    }

    /**
     * @param maxAge the oldest count that will do
     * @return jobs per state as the engine last counted them (every 5 s while it runs: the {@code weft.jobs} gauges)
     *     when that count succeeded within {@code maxAge}, else read now; every state present
     */
    public Map<JobState, Long> countByState(Duration maxAge) {
        if (System.currentTimeMillis() - countedAt > maxAge.toMillis()) {
            return store.countByState();
        }
        Map<JobState, Long> counts = new EnumMap<>(JobState.class);
        stateCounts.forEach((state, count) -> counts.put(state, count.get()));
        return counts;
    }

    /** @return the provider the workers call */
    public VideoProvider provider() {
        return provider;
    }

    /**
     * Stops claiming, lets each worker park its job at the next step boundary (its lease freed, so another instance
     * may resume it at once) and waits up to {@link JobsConfig#stopTimeout()}; workers still busy after that are
     * interrupted, and their leases lapse. Idempotent.
     */
    @Override
    public void close() {
        if (!stopping.compareAndSet(false, true)) {
            return;
        }
        wakeUp();
        long deadline = System.nanoTime() + config.stopTimeout().toNanos();
        // companions stop beside the workers, each within the same stop timeout
        Thread companionsStop = Thread.ofVirtual().name("weft-job-companions-stop").start(() -> {
            for (Companion companion : started.get() ? companions : List.<Companion>of()) {
                try {
                    companion.close();
                } catch (RuntimeException e) {
                    LOG.atWarn().setMessage("stopping a job companion failed").addKeyValue("error.code", code(e))
                            .log();
                }
            }
        });
        for (Thread worker : workers) {
            try {
                long left = deadline - System.nanoTime();
                if (left <= 0 || !worker.join(Duration.ofNanos(left))) {
                    worker.interrupt();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        try {
            companionsStop.join(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (heartbeat != null) {
            heartbeat.interrupt();
        }
        LOG.atInfo().setMessage("job workers stopped").addKeyValue("instance", instanceId)
                .addKeyValue("parked", leases.size()).log();
    }

    private void workerLoop(String owner) {
        while (!stopping.get()) {
            if (!signal.mayClaim(System.nanoTime(), config.idlePoll())) {
                signal.awaitTurn(stopping); // the queue is empty: another worker looks for work each idle poll
                continue;
            }
            Optional<JobRow> claimed;
            long claimedAt = clock.millis();
            try {
                claimed = store.claim(owner, config.lease());
            } catch (RuntimeException e) {
                long suppressed = claimFailures.admit(code(e), System.nanoTime());
                if (suppressed >= 0) {
                    LOG.atWarn().setMessage("claiming a job failed").addKeyValue("worker", owner)
                            .addKeyValue("error.code", code(e)).addKeyValue("suppressed_since_last", suppressed).log();
                }
                // one worker tries again each idle poll, not all of them: the database may be recovering
                signal.foundNothing(System.nanoTime(), config.idlePoll());
                continue;
            }
            if (claimed.isEmpty()) {
                signal.foundNothing(System.nanoTime(), config.idlePoll());
                continue;
            }
            signal.foundWork();
            JobRow job = claimed.get();
            leases.hold(job.jobId(), owner, claimedAt);
            try {
                steps.run(job, owner);
            } catch (RuntimeException e) {
                // the database failed while recording a step: the lease lapses and the job resumes later
                LOG.atWarn().setMessage("job step could not be recorded").addKeyValue("job.id", job.jobId())
                        .addKeyValue("worker", owner).addKeyValue("error.code", code(e)).setCause(e).log();
            } finally {
                leases.release(job.jobId());
            }
        }
    }

    private void refreshCounts() {
        lastCount = System.currentTimeMillis();
        try {
            store.countByState().forEach((state, count) -> Objects.requireNonNull(stateCounts.get(state)).set(count));
            countedAt = lastCount;
        } catch (RuntimeException e) {
            LOG.atDebug().setMessage("counting jobs failed").addKeyValue("error.code", code(e)).log();
        }
    }

    /** @return a failure's stable code for the log: a weft code, or the class name */
    static String code(Throwable failure) {
        return failure instanceof WeftException weft ? weft.code() : failure.getClass().getSimpleName();
    }
}
