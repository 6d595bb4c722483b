package dev.weft.service.jobs;

import dev.weft.core.Deadline;
import java.time.Clock;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The leases this instance holds on claimed jobs, and the heartbeat that renews them. A worker asks
 * {@link #held(String)} before every provider call and every write: a lease whose renewal failed, or found the job
 * taken, is not held any more here, so the worker lets go before it writes.
 *
 * <p>Thread-safe.
 */
final class Leases {
    private static final Logger LOG = LoggerFactory.getLogger(JobEngine.class);

    private final JobStore store;
    private final JobsConfig config;
    private final Clock clock;
    private final Map<String, Lease> held = new ConcurrentHashMap<>();

    Leases(JobStore store, JobsConfig config, Clock clock) {
        this.store = Objects.requireNonNull(store, "store");
        this.config = Objects.requireNonNull(config, "config");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** A worker claimed a job at {@code claimedAt} (clock millis): the lease runs a full term from then. */
    void hold(String jobId, String owner, long claimedAt) {
        held.put(jobId, new Lease(owner, claimedAt + config.lease().toMillis()));
    }

    /** The worker is done with the job (final, parked, rescheduled or lost). */
    void release(String jobId) {
        held.remove(jobId);
    }

    /** @return how many jobs this instance holds */
    int size() {
        return held.size();
    }

    /** Whether this instance may still act for the job: its last renewal (or claim) has not lapsed. */
    boolean held(String jobId) {
        Lease lease = held.get(jobId);
        return lease != null && clock.millis() < lease.validUntil.get();
    }

    /** A renewal issued at {@code issuedAt} succeeded: the lease runs a full term from then. */
    void renewed(String jobId, long issuedAt) {
        Lease lease = held.get(jobId);
        if (lease != null) {
            long until = issuedAt + config.lease().toMillis();
            lease.validUntil.updateAndGet(current -> current == 0 ? 0 : Math.max(current, until));
        }
    }

    /**
     * Renews every lease this instance holds, each third of the lease, on its own thread: a step that waits on
     * the provider or on a slow write does not delay it. A renewal that fails or finds the job taken leaves the
     * lease to lapse locally too, so the worker notices before it writes. Runs {@code tick} after each round;
     * returns once stopping and no lease is held, or when interrupted.
     */
    void heartbeatLoop(AtomicBoolean stopping, Runnable tick) {
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
                    if (Deadline.after(config.heartbeat()).call(
                            () -> store.renew(jobId, lease.owner, config.lease(), false))) {
                        renewed(jobId, before);
                    } else {
                        lease.validUntil.set(0);
                    }
                } catch (RuntimeException e) {
                    LOG.atWarn().setMessage("renewing a job lease failed").addKeyValue("job.id", jobId)
                            .addKeyValue("error.code", JobEngine.code(e)).log();
                }
            });
            tick.run();
        }
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
}
