package dev.weft.service.jobs;

import dev.weft.core.Backoff;
import dev.weft.core.InvalidConfigException;
import dev.weft.core.RetryPolicy;
import dev.weft.service.settings.Settings;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * Settings of the {@link JobEngine}.
 *
 * <p>Immutable and thread-safe.
 *
 * @param workers worker virtual threads per instance, 0..1024 (0: this instance only accepts jobs)
 * @param lease how long a claimed job stays with its worker without a renewal; another instance takes it over
 *     after that (a crashed worker's job resumes then). A heartbeat renews it every third of it, apart from the
 *     step in flight, so a healthy instance keeps it through two missed renewals (a GC pause, a slow write)
 * @param pollInterval wait between two status reads of a running provider job
 * @param idlePoll wait between two claim attempts when the queue is empty, made by one worker of the instance (a job
 *     submitted here, or one that attempt finds, wakes all the workers at once)
 * @param maxAttempts real failures (5xx, resets, timeouts, unreadable answers) after which a job is
 *     {@code failed}; flow control (an open breaker, a 429 or 503 with {@code Retry-After}, a busy provider) is
 *     waited out and not counted
 * @param retryDelay bound of the backoff after the first failure; the bound doubles per failure and the wait is drawn
 *     below it (full jitter, {@link Backoff})
 * @param maxRetryDelay cap of the backoff
 * @param stopTimeout how long {@link JobEngine#close()} waits for workers to park at a step boundary
 * @param deadline how long after its submission a job may take, flow-control waits included; past it the job
 *     fails with {@code deadline_exceeded}
 */
public record JobsConfig(int workers, Duration lease, Duration pollInterval, Duration idlePoll, int maxAttempts,
        Duration retryDelay, Duration maxRetryDelay, Duration stopTimeout, Duration deadline) {
    /**
     * Default {@link #workers()}: 16. A worker holds its job while the provider processes it (polling), so workers
     * bound the jobs in progress, not the calls to the provider: those pass the adaptive limit
     * ({@code weft.jobs.provider.limit}). With 4, a queue of 2-second jobs drains at 2 jobs/s at best, and a
     * backlog left by an outage takes minutes to clear; virtual threads make 16 cheap.
     */
    public static final int DEFAULT_WORKERS = 16;
    /**
     * Default {@link #lease()}: 6 s, renewed every 2 s. A killed instance's jobs move to another instance within
     * the lease plus one idle poll (7 s); a live one would have to miss two renewals in a row to lose them.
     */
    public static final Duration DEFAULT_LEASE = Duration.ofSeconds(6);
    /** Default {@link #pollInterval()}. */
    public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofMillis(500);
    /** Default {@link #idlePoll()}. */
    public static final Duration DEFAULT_IDLE_POLL = Duration.ofSeconds(1);
    /** Default {@link #maxAttempts()}. */
    public static final int DEFAULT_MAX_ATTEMPTS = 8;
    /** Default {@link #retryDelay()}. */
    public static final Duration DEFAULT_RETRY_DELAY = Duration.ofSeconds(1);
    /** Default {@link #maxRetryDelay()}. */
    public static final Duration DEFAULT_MAX_RETRY_DELAY = Duration.ofMinutes(1);
    /** Default {@link #stopTimeout()}. */
    public static final Duration DEFAULT_STOP_TIMEOUT = Duration.ofSeconds(10);
    /**
     * Default {@link #deadline()}: 1 hour. Long enough to ride out a provider outage or hours-scale rate limiting
     * of a video that takes minutes, short enough that a user learns of a job that cannot finish the same hour.
     */
    public static final Duration DEFAULT_DEADLINE = Duration.ofHours(1);

    /** Checks every field. */
    public JobsConfig {
        Objects.requireNonNull(lease, "lease");
        Objects.requireNonNull(pollInterval, "pollInterval");
        Objects.requireNonNull(idlePoll, "idlePoll");
        Objects.requireNonNull(retryDelay, "retryDelay");
        Objects.requireNonNull(maxRetryDelay, "maxRetryDelay");
        Objects.requireNonNull(stopTimeout, "stopTimeout");
        Objects.requireNonNull(deadline, "deadline");
        if (workers < 0 || workers > 1024) {
            throw new InvalidConfigException("weft.jobs.workers (WEFT_WORKERS, --workers)", workers, "must be 0..1024");
        }
        if (lease.compareTo(Duration.ofMillis(500)) < 0) {
            throw new InvalidConfigException("weft.jobs.lease (WEFT_JOBS_LEASE_MS)", lease, "must be >= 500 ms");
        }
        if (pollInterval.compareTo(Duration.ofMillis(10)) < 0 || pollInterval.compareTo(lease) >= 0) {
            throw new InvalidConfigException("weft.jobs.poll-interval (WEFT_JOBS_POLL_MS)", pollInterval,
                    "must be >= 10 ms and below weft.jobs.lease (WEFT_JOBS_LEASE_MS)");
        }
        if (idlePoll.compareTo(Duration.ofMillis(10)) < 0) {
            throw new InvalidConfigException("weft.jobs.idle-poll (WEFT_JOBS_IDLE_POLL_MS)", idlePoll,
                    "must be >= 10 ms");
        }
        if (maxAttempts < 1 || maxAttempts > 100) {
            throw new InvalidConfigException("weft.jobs.max-attempts (WEFT_JOBS_MAX_ATTEMPTS)", maxAttempts,
                    "must be 1..100");
        }
        if (retryDelay.isNegative() || maxRetryDelay.compareTo(retryDelay) < 0) {
            throw new InvalidConfigException("weft.jobs.retry-delay (WEFT_JOBS_RETRY_DELAY_MS)", retryDelay,
                    "must be >= 0 and <= weft.jobs.max-retry-delay (WEFT_JOBS_MAX_RETRY_DELAY_MS)");
        }
        if (stopTimeout.isNegative()) {
            throw new InvalidConfigException("weft.jobs.stop-timeout", stopTimeout, "must not be negative");
        }
        if (deadline.compareTo(Duration.ofSeconds(1)) < 0 || deadline.compareTo(Duration.ofDays(30)) > 0) {
            throw new InvalidConfigException("weft.jobs.deadline (WEFT_JOBS_DEADLINE_MS)", deadline,
                    "must be 1 s..30 days");
        }
    }

    /** @return the defaults */
    public static JobsConfig defaults() {
        return new JobsConfig(DEFAULT_WORKERS, DEFAULT_LEASE, DEFAULT_POLL_INTERVAL, DEFAULT_IDLE_POLL,
                DEFAULT_MAX_ATTEMPTS, DEFAULT_RETRY_DELAY, DEFAULT_MAX_RETRY_DELAY, DEFAULT_STOP_TIMEOUT,
                DEFAULT_DEADLINE);
    }

    /**
     * Reads {@code WEFT_JOBS_LEASE_MS}, {@code WEFT_JOBS_POLL_MS}, {@code WEFT_JOBS_IDLE_POLL_MS},
     * {@code WEFT_JOBS_MAX_ATTEMPTS}, {@code WEFT_JOBS_RETRY_DELAY_MS}, {@code WEFT_JOBS_MAX_RETRY_DELAY_MS},
     * {@code WEFT_JOBS_DEADLINE_MS} through the settings registry ({@link Settings}); the
     * worker count comes from the service config ({@code --workers} / {@code WEFT_WORKERS}).
     *
     * @param workers the worker count
     * @param env the environment
     * @return the config
     * @throws InvalidConfigException naming the first bad variable
     */
    public static JobsConfig fromEnv(int workers, Map<String, String> env) {
        JobsConfig base = defaults();
        return new JobsConfig(workers,
                Settings.JOBS_LEASE.millis(env, base.lease()),
                Settings.JOBS_POLL.millis(env, base.pollInterval()),
                Settings.JOBS_IDLE_POLL.millis(env, base.idlePoll()),
                Settings.JOBS_MAX_ATTEMPTS.integer(env, base.maxAttempts()),
                Settings.JOBS_RETRY_DELAY.millis(env, base.retryDelay()),
                Settings.JOBS_MAX_RETRY_DELAY.millis(env, base.maxRetryDelay()),
                base.stopTimeout(),
                Settings.JOBS_DEADLINE.millis(env, base.deadline()));
    }

    /** @param value workers @return a copy */
    public JobsConfig withWorkers(int value) {
        return new JobsConfig(value, lease, pollInterval, idlePoll, maxAttempts, retryDelay, maxRetryDelay,
                stopTimeout, deadline);
    }

    /** @param value lease @return a copy */
    public JobsConfig withLease(Duration value) {
        return new JobsConfig(workers, value, pollInterval, idlePoll, maxAttempts, retryDelay, maxRetryDelay,
                stopTimeout, deadline);
    }

    /** @param poll status poll @param idle claim poll @return a copy */
    public JobsConfig withPolling(Duration poll, Duration idle) {
        return new JobsConfig(workers, lease, poll, idle, maxAttempts, retryDelay, maxRetryDelay, stopTimeout,
                deadline);
    }

    /** @param attempts max attempts @param delay first backoff @param maxDelay backoff cap @return a copy */
    public JobsConfig withRetries(int attempts, Duration delay, Duration maxDelay) {
        return new JobsConfig(workers, lease, pollInterval, idlePoll, attempts, delay, maxDelay, stopTimeout, deadline);
    }

    /** @param value the job deadline @return a copy */
    public JobsConfig withDeadline(Duration value) {
        return new JobsConfig(workers, lease, pollInterval, idlePoll, maxAttempts, retryDelay, maxRetryDelay,
                stopTimeout, value);
    }

    /** @return how often the heartbeat renews the leases: a third of the lease */
    public Duration heartbeat() {
        return lease.dividedBy(3);
    }

    /**
     * @return the job retry policy in weft-core's vocabulary: {@link #maxAttempts()} real faults, exponential
     *     backoff with full jitter from {@link #retryDelay()} up to {@link #maxRetryDelay()}
     */
    public RetryPolicy retryPolicy() {
        return RetryPolicy.of(maxAttempts, retryDelay, maxRetryDelay);
    }

    /**
     * @param failures failed attempts so far, at least 1
     * @param random where the jitter comes from
     * @return the backoff before the next attempt, drawn from {@code [0, retryDelay * 2^(failures-1)]}, capped by
     *     {@link #maxRetryDelay()} ({@link Backoff#delay(int, Duration, RandomGenerator)})
     */
    public Duration backoff(int failures, RandomGenerator random) {
        return retryPolicy().backoff().delay(Math.max(failures, 1), null, random);
    }
}
