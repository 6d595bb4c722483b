package dev.weft.service.jobs;

import dev.weft.service.FailureLogThrottle;
import dev.weft.service.data.Uploads;
import dev.weft.service.data.VideoRepository;
import dev.weft.service.data.VideoRow;
import dev.weft.service.provider.ProviderStatus;
import dev.weft.service.provider.VideoProvider;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drives one claimed job through its recorded steps ({@link JobState}): upload, start processing, poll, then the
 * final transaction; classifies a failed step once ({@link StepFault}) and reschedules, backs off or fails the job.
 * Checks the lease ({@link Leases}) before every provider call and every write; tells the
 * {@link JobEngine.Listener} after each step that changed the video.
 *
 * <p>Thread-safe: one instance serves every worker of an engine; a job is driven by one worker at a time.
 */
final class StepRunner {
    private static final Logger LOG = LoggerFactory.getLogger(JobEngine.class);
    /** What a video shows when the provider reports its job failed (the provider's words go to the log). */
    static final String PROVIDER_FAILED = "provider_failed: the video provider could not process the video";

    private final JobStore store;
    private final VideoRepository videos;
    private final VideoProvider provider;
    private final JobsConfig config;
    private final Clock clock;
    private final MeterRegistry registry;
    private final JobEngine.Listener listener;
    private final Leases leases;
    private final ProviderLimit providerLimit;
    private final WorkSignal signal;
    private final AtomicBoolean stopping;
    private final JobTrace trace;
    /** One WARN per code a minute for the waits on the provider ({@link #waitedFor}). */
    private final FailureLogThrottle waits = new FailureLogThrottle(TimeUnit.MINUTES.toNanos(1));

    StepRunner(JobStore store, VideoRepository videos, VideoProvider provider, JobsConfig config, Clock clock,
            MeterRegistry registry, JobEngine.Listener listener, Leases leases, ProviderLimit providerLimit,
            WorkSignal signal, AtomicBoolean stopping, JobTrace trace) {
        this.store = Objects.requireNonNull(store, "store");
        this.videos = Objects.requireNonNull(videos, "videos");
        this.provider = Objects.requireNonNull(provider, "provider");
        this.config = Objects.requireNonNull(config, "config");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.registry = Objects.requireNonNull(registry, "registry");
        this.listener = Objects.requireNonNull(listener, "listener");
        this.leases = Objects.requireNonNull(leases, "leases");
        this.providerLimit = Objects.requireNonNull(providerLimit, "providerLimit");
        this.signal = Objects.requireNonNull(signal, "signal");
        this.stopping = Objects.requireNonNull(stopping, "stopping");
        this.trace = Objects.requireNonNull(trace, "trace");
    }

    /**
     * Waits for the provider (unreachable, its breaker open, busy, rate limited) logged only at DEBUG, one line per
     * job and try, so at the default level a provider that was down, or a {@code PROVIDER_URL} naming the wrong port,
     * left no line at all while every job waited up to its deadline (an hour by default): one WARN per error code a
     * minute says so, with how many waits it stands for.
     */
    private void waitedFor(JobRow job, RuntimeException failure) {
        String code = JobEngine.code(failure);
        long suppressed = waits.admit(code, System.nanoTime());
        if (suppressed >= 0) {
            LOG.atWarn().setMessage("jobs are waiting for the video provider").addKeyValue("job.id", job.jobId())
                    .addKeyValue("state", job.state().wireName()).addKeyValue("error.code", code)
                    .addKeyValue("error.message", String.valueOf(failure.getMessage()))
                    .addKeyValue("waits_not_logged", suppressed).log();
        }
    }

    /**
     * Drives one claimed job until it is final, parked, scheduled for a retry, or lost. Everything logged meanwhile
     * carries the job's ids in the MDC; each step runs in its span ({@link JobTrace}).
     */
    @SuppressWarnings("try") // the MDC scope is only held open around the run
    void run(JobRow claimed, String owner) {
        try (JobTrace.MdcScope ids = JobTrace.job(claimed)) {
            JobRow job = claimed;
            while (true) {
                if (job.cancelRequested() != 0) {
                    endCancelled(job, owner);
                    return;
                }
                if (stopping.get()) {
                    store.release(job.jobId(), owner);
                    LOG.atInfo().setMessage("job parked").addKeyValue("job.id", job.jobId())
                            .addKeyValue("state", job.state().wireName()).log();
                    return;
                }
                JobState state = job.state();
                if (state.isFinal()) {
                    return;
                }
                if (!leases.held(job.jobId())) {
                    leaseLapsed(job, owner);
                    return;
                }
                JobRow current = job;
                Optional<JobRow> next = trace.step(current, state, () -> runStep(current, owner, state));
                if (next.isEmpty()) {
                    return;
                }
                job = next.get();
            }
        }
    }

    /** Runs one step and records it; returns the job as recorded after it, or empty when the worker is done. */
    private Optional<JobRow> runStep(JobRow job, String owner, JobState state) {
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
            Span.current().recordException(failure);
            Span.current().setStatus(StatusCode.ERROR, JobEngine.code(failure));
            failed(job, owner, failure);
            return Optional.empty();
        }
        step(state, recorded ? "success" : "lost", start);
        if (!recorded) {
            lostOrCancelled(job, owner);
            return Optional.empty();
        }
        return store.get(job.jobId());
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
        return leases.held(job.jobId()) && advance(job, owner, JobState.UPLOADED, Map.of("provider_url", url), Map.of());
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
        boolean recorded = leases.held(job.jobId()) && advance(job, owner, JobState.POLLING,
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
            if (!leases.held(job.jobId())) {
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
                    LOG.atInfo().setMessage("provider reported the job failed").addKeyValue("job.id", job.jobId())
                            .addKeyValue("provider_error", Objects.requireNonNullElse(status.error(), "")).log();
                    String reason = PROVIDER_FAILED;
                    // a failed try, as a permanent fault is: attempts 0 on a failed job read as "never tried"
                    boolean done = store.fail(job, owner, job.attempts() + 1, reason);
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
                    leases.renewed(job.jobId(), before);
                    if (stopping.get()) {
                        return true; // the loop in run() parks the job
                    }
                    signal.pause(config.pollInterval(), stopping);
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
                .addKeyValue("job.id", job.jobId()).addKeyValue("state", job.state().wireName())
                .addKeyValue("fault", fault.kind())
                .addKeyValue("error.code", JobEngine.code(failure))
                .addKeyValue("error.message", String.valueOf(failure.getMessage()))
                .log();
        if (fault.kind() == StepFault.Kind.FLOW_CONTROL) {
            waitedFor(job, failure);
        }
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
                LOG.atDebug().setMessage("job step rescheduled").addKeyValue("job.id", job.jobId())
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
        Duration wait = fault.delay() == null ? config.backoff(attempts, random) : fault.delay();
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
            leases.renewed(job.jobId(), before);
        }
        return recorded;
    }

    private void leaseLapsed(JobRow job, String owner) {
        LOG.atWarn().setMessage("job lease lapsed before it could be renewed; letting go of the job")
                .addKeyValue("job.id", job.jobId()).addKeyValue("worker", owner).log();
    }

    private void lostOrCancelled(JobRow job, String owner) {
        Optional<JobRow> now = store.get(job.jobId());
        if (now.isPresent() && owner.equals(now.get().leaseOwner()) && now.get().cancelRequested() != 0) {
            endCancelled(now.get(), owner);
            return;
        }
        LOG.atWarn().setMessage("job lost its lease; another worker has it").addKeyValue("job.id", job.jobId())
                .addKeyValue("worker", owner).log();
    }

    private void endCancelled(JobRow job, String owner) {
        if (store.finishCancel(job.jobId(), owner)) {
            finished(job, JobState.CANCELLED, null);
        }
    }

    void finished(JobRow job, JobState state, @Nullable String reason) {
        registry.counter("weft.jobs.finished", "state", state.wireName()).increment();
        listener.videoChanged(job.videoId(), job.userId());
        videos.getByVideoId(job.videoId()).map(VideoRow::storagePath)
                .ifPresent(path -> Uploads.delete(List.of(path), state.wireName()));
        var log = LOG.atInfo().setMessage("job finished").addKeyValue("job.id", job.jobId())
                .addKeyValue("video.id", job.videoId()).addKeyValue("state", state.wireName());
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

}
