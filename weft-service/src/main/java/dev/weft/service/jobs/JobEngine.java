package dev.weft.service.jobs;

import dev.weft.core.ErrorKind;
import dev.weft.core.WeftException;
import dev.weft.db.Database;
import dev.weft.db.SqlOperations;
import dev.weft.service.data.Uploads;
import dev.weft.service.data.UsageRepository;
import dev.weft.service.data.VideoRepository;
import dev.weft.service.data.VideoRow;
import dev.weft.service.provider.ProviderStatus;
import dev.weft.service.provider.VideoProvider;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs video jobs: {@link JobsConfig#workers()} virtual threads claim due jobs from the {@code jobs} table and drive
 * each through the provider one recorded step at a time ({@link JobState}): upload, start processing, poll, then
 * log the model usage and finish the video in one transaction. Provider calls carry idempotency keys derived from
 * the job id and the step ({@code <job_id>:upload}, {@code <job_id>:process}), so a step repeated after a crash
 * or a lost answer does nothing twice.
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
    /** What a video shows when the provider reports its job failed (the provider's words go to the log). */
    static final String PROVIDER_FAILED = "provider_failed: the video provider could not process the video";

    /** Told after a job changed its video, so cached views of it are dropped. */
    @FunctionalInterface
    public interface Listener {
        /** @param videoId the video @param userId its owner */
        void videoChanged(String videoId, long userId);
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
    private final ReentrantLock signalLock = new ReentrantLock();
    private final Condition signal = signalLock.newCondition();
    private final Map<String, Lease> held = new ConcurrentHashMap<>();
    private final ProviderLimit providerLimit;
    private final Map<JobState, AtomicLong> stateCounts = new EnumMap<>(JobState.class);
    private final List<Thread> workers = new ArrayList<>();
    private @Nullable Thread heartbeat;
    private volatile long lastCount;

    private JobEngine(Database db, VideoRepository videos, UsageRepository usage, VideoProvider provider,
            JobsConfig config, Clock clock, MeterRegistry registry, Listener listener) {
        this.store = new JobStore(db, videos, usage, clock);
        this.videos = Objects.requireNonNull(videos, "videos");
        this.provider = Objects.requireNonNull(provider, "provider");
        this.config = Objects.requireNonNull(config, "config");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.registry = Objects.requireNonNull(registry, "registry");
        this.listener = Objects.requireNonNull(listener, "listener");
        this.instanceId = "w-" + ProcessHandle.current().pid() + "-" + UUID.randomUUID().toString().substring(0, 8);
        this.providerLimit = new ProviderLimit(Math.max(1, config.workers()), Math.max(1, config.workers()),
                System::nanoTime);
        Gauge.builder("weft.jobs.provider.limit", providerLimit, ProviderLimit::limit)
                .description("Adaptive limit of job calls in flight to the provider").register(registry);
        for (JobState state : JobState.values()) {
            AtomicLong count = new AtomicLong();
            stateCounts.put(state, count);
            Gauge.builder("weft.jobs", count, AtomicLong::get).description("Jobs per state, refreshed every few seconds")
                    .tag("state", state.wireName()).register(registry);
        }
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
        return new JobEngine(db, videos, usage, provider, config, clock, registry, listener);
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
        heartbeat = Thread.ofVirtual().name("weft-job-heartbeat").start(this::heartbeatLoop);
        LOG.atInfo().setMessage("job workers started").addKeyValue("workers", config.workers())
                .addKeyValue("instance", instanceId).addKeyValue("provider", provider.name()).log();
    }

    /**
     * Adds a queued job for a video, inside the caller's transaction (the video row is inserted in the same one).
     * Call {@link #wakeUp()} after the commit.
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
        store.insert(tx, jobId, videoId, userId);
        return jobId;
    }

    /** @return a fresh job id */
    public static String newJobId() {
        return "job_" + UUID.randomUUID().toString().replace("-", "");
    }

    /** Wakes idle workers so a job just committed starts at once. */
    public void wakeUp() {
        signalLock.lock();
        try {
            signal.signalAll();
        } finally {
            signalLock.unlock();
        }
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
                    if (store.get(job.jobId()).map(row -> row.jobState().isFinal()).orElse(false)) {
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
        if (heartbeat != null) {
            heartbeat.interrupt();
        }
        LOG.atInfo().setMessage("job workers stopped").addKeyValue("instance", instanceId)
                .addKeyValue("parked", held.size()).log();
    }

    private void workerLoop(String owner) {
        while (!stopping.get()) {
            Optional<JobRow> claimed;
            long claimedAt = clock.millis();
            try {
                claimed = store.claim(owner, config.lease());
            } catch (RuntimeException e) {
                LOG.atWarn().setMessage("claiming a job failed").addKeyValue("worker", owner)
                        .addKeyValue("error_code", code(e)).log();
                pause(config.idlePoll());
                continue;
            }
            if (claimed.isEmpty()) {
                pause(config.idlePoll());
                continue;
            }
            JobRow job = claimed.get();
            held.put(job.jobId(), new Lease(owner, claimedAt + config.lease().toMillis()));
            try {
                run(job, owner);
            } catch (RuntimeException e) {
                // the database failed while recording a step: the lease lapses and the job resumes later
                LOG.atWarn().setMessage("job step could not be recorded").addKeyValue("job_id", job.jobId())
                        .addKeyValue("worker", owner).addKeyValue("error_code", code(e)).setCause(e).log();
            } finally {
                held.remove(job.jobId());
            }
        }
    }

    /** Drives one claimed job until it is final, parked, scheduled for a retry, or lost. */
    private void run(JobRow claimed, String owner) {
        JobRow job = claimed;
        while (true) {
            if (job.cancelRequested() != 0) {
                endCancelled(job, owner);
                return;
            }
            if (stopping.get()) {
                store.release(job.jobId(), owner);
                LOG.atInfo().setMessage("job parked").addKeyValue("job_id", job.jobId())
                        .addKeyValue("state", job.state()).log();
                return;
            }
            JobState state = job.jobState();
            if (state.isFinal()) {
                return;
            }
            if (!leaseHeld(job.jobId())) {
                leaseLapsed(job, owner);
                return;
            }
            long start = System.nanoTime();
            boolean recorded;
            try {
                recorded = switch (state) {
                    case QUEUED, UPLOADING -> upload(job, owner, state);
                    case UPLOADED, PROCESSING -> startProcessing(job, owner, state);
                    case POLLING -> poll(job, owner);
                    default -> false;
                };
            } catch (RuntimeException failure) {
                step(state, "error", start);
                failed(job, owner, failure);
                return;
            }
            step(state, recorded ? "success" : "lost", start);
            if (!recorded) {
                lostOrCancelled(job, owner);
                return;
            }
            Optional<JobRow> next = store.get(job.jobId());
            if (next.isEmpty()) {
                return;
            }
            job = next.get();
        }
    }

    private boolean upload(JobRow job, String owner, JobState state) {
        VideoRow video = video(job);
        if (state == JobState.QUEUED) {
            if (!advance(job, owner, JobState.UPLOADING, Map.of(), Map.of("status", "uploading"))) {
                return false;
            }
            listener.videoChanged(job.videoId(), job.userId());
        }
        if (video.storagePath() == null || !Files.isRegularFile(Path.of(video.storagePath()))) {
            throw new JobFailure("upload_missing", "the uploaded file is missing", false);
        }
        Path file = Path.of(video.storagePath());
        String url = call("upload", () -> provider.upload(file, job.jobId() + ":upload"));
        return leaseHeld(job.jobId()) && advance(job, owner, JobState.UPLOADED, Map.of("provider_url", url), Map.of());
    }

    private boolean startProcessing(JobRow job, String owner, JobState state) {
        VideoRow video = video(job);
        if (state == JobState.UPLOADED) {
            if (!advance(job, owner, JobState.PROCESSING, Map.of(), Map.of("status", "processing"))) {
                return false;
            }
            listener.videoChanged(job.videoId(), job.userId());
        }
        String url = Objects.requireNonNull(job.providerUrl(), "provider_url of an uploaded job");
        String options = video.options() == null ? "{}" : video.options();
        String externalId = call("process", () -> provider.startProcessing(url, options, job.jobId() + ":process"));
        boolean recorded = leaseHeld(job.jobId()) && advance(job, owner, JobState.POLLING,
                Map.of("external_job_id", externalId), Map.of("external_job_id", externalId));
        if (recorded) {
            listener.videoChanged(job.videoId(), job.userId());
        }
        return recorded;
    }

    /** Polls until the provider job is final; returns false if the job was lost or cancelled meanwhile. */
    private boolean poll(JobRow job, String owner) {
        String externalId = Objects.requireNonNull(job.externalJobId(), "external_job_id of a polling job");
        while (true) {
            ProviderStatus status = call("status", () -> provider.status(externalId));
            if (!leaseHeld(job.jobId())) {
                return false;
            }
            switch (status.state()) {
                case COMPLETED -> {
                    boolean done = store.complete(job, owner, Objects.requireNonNull(status.resultUrl()),
                            status.usage());
                    if (done) {
                        finished(job, JobState.COMPLETED, null);
                    }
                    return done;
                }
                case FAILED -> {
                    // the provider's own words may name its internals: they go to the log, not to the user
                    LOG.atInfo().setMessage("provider reported the job failed").addKeyValue("job_id", job.jobId())
                            .addKeyValue("provider_error", Objects.requireNonNullElse(status.error(), "")).log();
                    String reason = PROVIDER_FAILED;
                    boolean done = store.fail(job, owner, job.attempts(), reason);
                    if (done) {
                        finished(job, JobState.FAILED, reason);
                    }
                    return done;
                }
                default -> {
                    if (clock.millis() >= deadlineOf(job)) {
                        throw new JobFailure("deadline_exceeded", "the job did not finish within "
                                + config.deadline().toMinutes() + " minutes", false);
                    }
                    long before = clock.millis();
                    if (!store.renew(job.jobId(), owner, config.lease(), true)) {
                        return false;
                    }
                    renewed(job.jobId(), before);
                    if (stopping.get()) {
                        return true; // the loop in run() parks the job
                    }
                    pause(config.pollInterval());
                    if (stopping.get()) {
                        return true;
                    }
                }
            }
        }
    }

    private VideoRow video(JobRow job) {
        return videos.getByVideoId(job.videoId())
                .orElseThrow(() -> new JobFailure("video_missing", "the video no longer exists", false));
    }

    private void failed(JobRow job, String owner, RuntimeException failure) {
        StepFault fault = StepFault.of(failure);
        long now = clock.millis();
        long deadline = deadlineOf(job);
        int attempts = fault.kind() == StepFault.Kind.FLOW_CONTROL ? job.attempts() : job.attempts() + 1;
        // flow control can repeat every second per job under a rate limit: DEBUG; real faults: INFO
        (fault.kind() == StepFault.Kind.FLOW_CONTROL ? LOG.atDebug() : LOG.atInfo()).setMessage("job step failed")
                .addKeyValue("job_id", job.jobId()).addKeyValue("state", job.state()).addKeyValue("fault", fault.kind())
                .addKeyValue("error_code", code(failure)).addKeyValue("error", String.valueOf(failure.getMessage()))
                .log();
        String finalReason = switch (fault.kind()) {
            case PERMANENT -> fault.userText();
            case RETRYABLE -> attempts >= config.maxAttempts()
                    ? fault.userText() + " (gave up after " + attempts + " attempts)" : null;
            case FLOW_CONTROL -> null;
        };
        if (finalReason == null) {
            Duration wait = wait(config, attempts, fault, ThreadLocalRandom.current());
            if (now + wait.toMillis() < deadline) {
                store.retryLater(job, owner, attempts, now + wait.toMillis(), fault.userText());
                LOG.atDebug().setMessage("job step rescheduled").addKeyValue("job_id", job.jobId())
                        .addKeyValue("attempts", attempts).addKeyValue("wait_ms", wait.toMillis()).log();
                return;
            }
            finalReason = "deadline_exceeded: the job did not finish within " + config.deadline().toMinutes()
                    + " minutes (last: " + fault.code() + ")";
        }
        if (store.fail(job, owner, attempts, finalReason)) {
            finished(job, JobState.FAILED, finalReason);
        } else {
            lostOrCancelled(job, owner);
        }
    }

    /**
     * The wait before the step runs again: what flow control asked for (the rest of a breaker's open time, a
     * {@code Retry-After}) plus up to a quarter more of jitter, so that waiting workers do not all return in the
     * same millisecond; for a real fault, the exponential backoff. Both capped by the max retry delay.
     */
    static Duration wait(JobsConfig config, int attempts, StepFault fault, RandomGenerator random) {
        Duration wait = fault.delay() == null ? config.backoff(Math.max(attempts, 1)) : fault.delay();
        if (fault.delay() != null) {
            long spread = Math.max(50, wait.toMillis() / 4);
            wait = wait.plusMillis(random.nextLong(spread + 1));
        }
        return wait.compareTo(config.maxRetryDelay()) > 0 ? config.maxRetryDelay() : wait;
    }

    private long deadlineOf(JobRow job) {
        return job.createdAt().toEpochMilli() + config.deadline().toMillis();
    }

    private boolean advance(JobRow job, String owner, JobState next, Map<String, @Nullable Object> jobChanges,
            Map<String, @Nullable Object> videoChanges) {
        long before = clock.millis();
        boolean recorded = store.advance(job, owner, next, jobChanges, videoChanges, config.lease());
        if (recorded) {
            renewed(job.jobId(), before);
        }
        return recorded;
    }

    /** Whether this instance may still act for the job: its last renewal (or claim) has not lapsed. */
    private boolean leaseHeld(String jobId) {
        Lease lease = held.get(jobId);
        return lease != null && clock.millis() < lease.validUntil.get();
    }

    /** A renewal issued at {@code issuedAt} succeeded: the lease runs a full term from then. */
    private void renewed(String jobId, long issuedAt) {
        Lease lease = held.get(jobId);
        if (lease != null) {
            long until = issuedAt + config.lease().toMillis();
            lease.validUntil.updateAndGet(current -> current == 0 ? 0 : Math.max(current, until));
        }
    }

    private void leaseLapsed(JobRow job, String owner) {
        LOG.atWarn().setMessage("job lease lapsed before it could be renewed; letting go of the job")
                .addKeyValue("job_id", job.jobId()).addKeyValue("worker", owner).log();
    }

    private void lostOrCancelled(JobRow job, String owner) {
        Optional<JobRow> now = store.get(job.jobId());
        if (now.isPresent() && owner.equals(now.get().leaseOwner()) && now.get().cancelRequested() != 0) {
            endCancelled(now.get(), owner);
            return;
        }
        LOG.atWarn().setMessage("job lost its lease; another worker has it").addKeyValue("job_id", job.jobId())
                .addKeyValue("worker", owner).log();
    }

    private void endCancelled(JobRow job, String owner) {
        if (store.finishCancel(job.jobId(), owner)) {
            finished(job, JobState.CANCELLED, null);
        }
    }

    private void finished(JobRow job, JobState state, @Nullable String reason) {
        registry.counter("weft.jobs.finished", "state", state.wireName()).increment();
        listener.videoChanged(job.videoId(), job.userId());
        videos.getByVideoId(job.videoId()).map(VideoRow::storagePath)
                .ifPresent(path -> Uploads.delete(List.of(path), state.wireName()));
        var log = LOG.atInfo().setMessage("job finished").addKeyValue("job_id", job.jobId())
                .addKeyValue("video_id", job.videoId()).addKeyValue("state", state.wireName());
        if (reason != null) {
            log = log.addKeyValue("reason", reason);
        }
        log.log();
    }

    private <T> T call(String operation, Supplier<T> action) {
        long start = System.nanoTime();
        String outcome = "error";
        try {
            T result = providerLimit.call(action);
            outcome = "success";
            return result;
        } finally {
            Timer.builder("weft.jobs.provider.calls").description("Provider calls made by job workers")
                    .tag("operation", operation).tag("outcome", outcome).tag("provider", provider.name())
                    .register(registry).record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
        }
    }

    private void step(JobState state, String outcome, long startNanos) {
        Timer.builder("weft.jobs.step").description("Time spent in one job step, provider calls included")
                .tag("step", state.wireName()).tag("outcome", outcome).register(registry)
                .record(System.nanoTime() - startNanos, TimeUnit.NANOSECONDS);
    }

    /**
     * Renews every lease this instance holds, each third of the lease, on its own thread: a step that waits on
     * the provider or on a slow write does not delay it. A renewal that fails or finds the job taken leaves the
     * lease to lapse locally too, so the worker notices before it writes.
     */
    private void heartbeatLoop() {
        long period = Math.max(config.heartbeat().toMillis(), 100);
        while (!stopping.get() || !held.isEmpty()) {
            try {
                Thread.sleep(period);
            } catch (InterruptedException e) {
                return;
            }
            held.forEach((jobId, lease) -> {
                long before = clock.millis();
                try {
                    // bounded by the heartbeat period: a renew stuck waiting for a connection must not outlast the
                    // leases it is meant to keep (a saturated pool waits up to its 30 s acquire timeout)
                    if (dev.weft.core.Deadline.after(config.heartbeat()).call(
                            () -> store.renew(jobId, lease.owner, config.lease(), false))) {
                        renewed(jobId, before);
                    } else {
                        lease.validUntil.set(0);
                    }
                } catch (RuntimeException e) {
                    LOG.atWarn().setMessage("renewing a job lease failed").addKeyValue("job_id", jobId)
                            .addKeyValue("error_code", code(e)).log();
                }
            });
            if (System.currentTimeMillis() - lastCount > 5_000) {
                refreshCounts();
            }
        }
    }

    private void refreshCounts() {
        lastCount = System.currentTimeMillis();
        try {
            store.countByState().forEach((state, count) -> Objects.requireNonNull(stateCounts.get(state)).set(count));
        } catch (RuntimeException e) {
            LOG.atDebug().setMessage("counting jobs failed").addKeyValue("error_code", code(e)).log();
        }
    }

    /** Waits, waking early on {@link #wakeUp()} or a stop. */
    private void pause(Duration duration) {
        signalLock.lock();
        try {
            if (!stopping.get()) {
                signal.await(duration.toNanos(), TimeUnit.NANOSECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stopping.set(true);
        } finally {
            signalLock.unlock();
        }
    }

    private static String code(Throwable failure) {
        return failure instanceof WeftException weft ? weft.code() : failure.getClass().getSimpleName();
    }

    /** This instance's hold on a job: the worker, and until when (clock millis) the lease surely runs. */
    private static final class Lease {
        final String owner;
        /** Clock millis; 0 once a renewal found the job taken, which no later success may undo. */
        final AtomicLong validUntil;

        Lease(String owner, long validUntil) {
            this.owner = owner;
            this.validUntil = new AtomicLong(validUntil);
        }
    }

    /** A job-level failure that is not a provider or database exception; its message is user-facing. */
    static final class JobFailure extends WeftException {
        private static final long serialVersionUID = 1L;
        private final boolean retryable;

        JobFailure(String code, String message, boolean retryable) {
            super(ErrorKind.CONFLICT, code, message, null);
            this.retryable = retryable;
        }

        @Override
        public boolean retryable() {
            return retryable;
        }
    }
}
