package dev.weft.service.webhooks;

import dev.weft.core.Backoff;
import dev.weft.core.InvalidConfigException;
import java.time.Duration;
import java.util.Objects;

/**
 * How the {@link DeliveryWorker} paces deliveries: the backoff between failed attempts (full jitter, weft-core
 * {@link Backoff}), the cap on a receiver's {@code Retry-After}, the lease of a claimed delivery, the idle poll, and
 * how many attempts run at once. The defaults are the documented behaviour; tests pass short ones.
 *
 * <p>Immutable and thread-safe.
 *
 * @param backoff the wait before retry {@code n} is drawn from {@code [0, bound(n)]}; the default's bounds are
 *     5 s, 35 s, 4 min, 29 min, 3.3 h, then 10 h
 * @param retryAfterCap the longest {@code Retry-After} honoured; a longer one counts as this
 * @param lease how long a claimed delivery is this instance's; it must outlast one attempt (the send timeout), and
 *     after a crash it is how long the delivery waits before another instance takes it
 * @param idlePoll how long the delivery loop waits when nothing is due (a status change of this instance wakes it)
 * @param concurrency attempts in flight at once per instance (each on its own virtual thread)
 */
public record DeliverySchedule(Backoff backoff, Duration retryAfterCap, Duration lease, Duration idlePoll,
        int concurrency) {
    /** Default {@link #backoff()}: 5 s, growing 7-fold per retry, at most 10 h. */
    public static final Backoff DEFAULT_BACKOFF = new Backoff(Duration.ofSeconds(5), 7.0, Duration.ofHours(10));
    /** Default {@link #retryAfterCap()}. */
    public static final Duration DEFAULT_RETRY_AFTER_CAP = Duration.ofHours(1);
    /** Default {@link #lease()}: well past the longest attempt ({@code WEFT_WEBHOOKS_TIMEOUT}, 10 s by default). */
    public static final Duration DEFAULT_LEASE = Duration.ofSeconds(60);
    /** Default {@link #idlePoll()}. */
    public static final Duration DEFAULT_IDLE_POLL = Duration.ofSeconds(1);
    /** Default {@link #concurrency()}: a few slow receivers cannot take every slot. */
    public static final int DEFAULT_CONCURRENCY = 32;

    /** Checks every field. */
    public DeliverySchedule {
        Objects.requireNonNull(backoff, "backoff");
        Objects.requireNonNull(retryAfterCap, "retryAfterCap");
        Objects.requireNonNull(lease, "lease");
        Objects.requireNonNull(idlePoll, "idlePoll");
        if (lease.toMillis() < 100) {
            throw new InvalidConfigException("weft.webhooks.lease", lease, "must be >= 100 ms");
        }
        if (idlePoll.toMillis() < 1) {
            throw new InvalidConfigException("weft.webhooks.idle-poll", idlePoll, "must be >= 1 ms");
        }
        if (concurrency < 1 || concurrency > 1024) {
            throw new InvalidConfigException("weft.webhooks.concurrency", concurrency, "must be 1..1024");
        }
    }

    /** @return the defaults */
    public static DeliverySchedule defaults() {
        return new DeliverySchedule(DEFAULT_BACKOFF, DEFAULT_RETRY_AFTER_CAP, DEFAULT_LEASE, DEFAULT_IDLE_POLL,
                DEFAULT_CONCURRENCY);
    }

    /**
     * The defaults with a lease fitted to the attempt timeout, twice it plus 5 s: long enough for an attempt and its
     * record, and no longer than needed, since after a crash it is how long a delivery waits for another instance.
     *
     * @param timeout {@code WEFT_WEBHOOKS_TIMEOUT_MS}
     * @return the schedule
     */
    public static DeliverySchedule forTimeout(Duration timeout) {
        return new DeliverySchedule(DEFAULT_BACKOFF, DEFAULT_RETRY_AFTER_CAP, timeout.multipliedBy(2).plusSeconds(5),
                DEFAULT_IDLE_POLL, DEFAULT_CONCURRENCY);
    }
}
