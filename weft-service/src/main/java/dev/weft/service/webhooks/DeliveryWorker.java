package dev.weft.service.webhooks;

import dev.weft.core.WeftException;
import dev.weft.db.Database;
import dev.weft.service.FailureLogThrottle;
import dev.weft.service.jobs.JobEngine;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends the outbox: one loop per instance, a {@link JobEngine.Companion} of the job engine (started, woken after
 * every committed status change, and stopped with it), claims due deliveries with a lease and runs each attempt on a
 * virtual thread of its own, at most {@link DeliverySchedule#concurrency()} at once, so slow receivers never hold a
 * job worker or each other beyond that bound.
 *
 * <p>Each attempt is recorded ({@code webhook_attempts}) with the delivery's next state, in one transaction guarded
 * by the lease: a 2xx delivers; a 410 fails the delivery and disables its webhook; any other failure, and an address
 * the policy refuses at delivery time (recorded, never sent), is retried after the schedule's backoff (full jitter),
 * or after the receiver's {@code Retry-After} when that is longer (capped), until {@code WEFT_WEBHOOKS_RETRY_FOR}
 * after the delivery was created, when it fails. A webhook whose every attempt has failed for
 * {@code WEFT_WEBHOOKS_DISABLE_AFTER} is disabled with a reason; its deliveries then wait, pending, until it is
 * enabled again. A crash loses nothing: a lease that lapses lets any instance claim the delivery again (so a receiver
 * may see a message twice, with the same {@code webhook-id}).
 *
 * <p>An attempt the sender did not make for a reason of weft's own ({@link DeliveryResult.Outcome#DEFERRED}: its
 * limit for the receiving host, or the user's share of it, stayed full) is no attempt: nothing is recorded, the
 * webhook's {@code failing_since} is neither set nor kept, and the delivery is due again in a second or two with its
 * attempt count unchanged. So one user's receivers cannot get another user's webhook disabled.
 *
 * <p>Metrics: {@code weft.webhooks.attempts} (timer by {@code outcome}: delivered, failed, gone, refused),
 * {@code weft.webhooks.deferrals} (counter of attempts deferred) and {@code weft.webhooks.deliveries} (counter of
 * deliveries that reached a final state, by {@code state}).
 *
 * <p>Thread-safe.
 */
public final class DeliveryWorker implements JobEngine.Companion {
    private static final Logger LOG = LoggerFactory.getLogger(DeliveryWorker.class);

    /** Sends one attempt: {@link WebhookSender#send} in the service. */
    @FunctionalInterface
    public interface Transport {
        /**
         * @param userId the delivery's owner
         * @param url the receiver
         * @param messageId the {@code webhook-id}
         * @param timestamp this attempt's time
         * @param body the JSON body
         * @param secret the signing secret
         * @return what the attempt came to; a receiver's fault is a result, not an exception
         */
        DeliveryResult send(long userId, URI url, String messageId, Instant timestamp, byte[] body, String secret);
    }

    private final DeliveryQueue queue;
    private final Clock clock;
    private final WebhooksConfig config;
    private final DeliverySchedule schedule;
    private final Transport transport;
    private final UnaryOperator<String> unseal;
    private final Duration stopTimeout;
    private final String owner;
    private final Semaphore slots;
    private final AtomicBoolean started = new AtomicBoolean();
    private final AtomicBoolean stopping = new AtomicBoolean();
    // an outage fails every poll (one a second): one line per code each 10 s, with how many were left out
    private final FailureLogThrottle claimFailures = new FailureLogThrottle(TimeUnit.SECONDS.toNanos(10));
    private final MeterRegistry registry;
    private volatile @Nullable Thread loop;

    private DeliveryWorker(Database db, Clock clock, WebhooksConfig config, DeliverySchedule schedule,
            Transport transport, UnaryOperator<String> unseal, MeterRegistry registry, Duration stopTimeout) {
        this.queue = new DeliveryQueue(db, clock);
        this.clock = Objects.requireNonNull(clock, "clock");
        this.config = Objects.requireNonNull(config, "config");
        this.schedule = Objects.requireNonNull(schedule, "schedule");
        this.transport = Objects.requireNonNull(transport, "transport");
        this.unseal = Objects.requireNonNull(unseal, "unseal");
        this.registry = Objects.requireNonNull(registry, "registry");
        this.stopTimeout = Objects.requireNonNull(stopTimeout, "stopTimeout");
        this.owner = "d-" + ProcessHandle.current().pid() + "-" + UUID.randomUUID().toString().substring(0, 8);
        this.slots = new Semaphore(schedule.concurrency());
        for (DeliveryResult.Outcome outcome : DeliveryResult.Outcome.values()) {
            if (outcome != DeliveryResult.Outcome.DEFERRED) {
                timer(outcome);
            }
        }
        deferrals();
        for (String state : List.of(Delivery.DELIVERED, Delivery.FAILED, Delivery.CANCELLED)) {
            finished(state);
        }
    }

    /**
     * @param db the database (migrated to {@link dev.weft.service.jobs.JobMigrations#WEBHOOKS_VERSION})
     * @param clock the clock of leases, backoff and time stamps
     * @param config the webhook settings ({@code retryFor}, {@code disableAfter})
     * @param schedule backoff, lease and concurrency
     * @param transport sends an attempt ({@code sender::send})
     * @param unseal opens a sealed secret ({@code secretBox::unseal})
     * @param registry where the delivery meters go
     * @param stopTimeout how long {@link #close()} waits for attempts in flight
     * @return the worker, not started
     * @throws dev.weft.core.InvalidConfigException if the lease does not outlast an attempt's timeout
     */
    public static DeliveryWorker create(Database db, Clock clock, WebhooksConfig config, DeliverySchedule schedule,
            Transport transport, UnaryOperator<String> unseal, MeterRegistry registry, Duration stopTimeout) {
        if (schedule.lease().compareTo(config.timeout().plusSeconds(1)) < 0) {
            throw new dev.weft.core.InvalidConfigException("weft.webhooks.lease", schedule.lease(),
                    "must exceed WEFT_WEBHOOKS_TIMEOUT by at least 1 s, or attempts in flight lose their lease");
        }
        return new DeliveryWorker(db, clock, config, schedule, transport, unseal, registry, stopTimeout);
    }

    /** @return this instance's lease owner id */
    public String owner() {
        return owner;
    }

    @Override
    public void start() {
        if (started.compareAndSet(false, true)) {
            loop = Thread.ofVirtual().name("weft-webhook-deliveries").start(this::run);
        }
    }

    @Override
    public void wakeUp() {
        Thread thread = loop;
        if (thread != null) {
            LockSupport.unpark(thread);
        }
    }

    /**
     * Stops claiming and waits up to the stop timeout for attempts in flight to be recorded; an attempt still running
     * after that keeps its lease until it lapses, and its delivery is then claimed again. Idempotent.
     */
    @Override
    public void close() {
        if (!stopping.compareAndSet(false, true)) {
            return;
        }
        wakeUp();
        try {
            Thread thread = loop;
            if (thread != null) {
                thread.join(stopTimeout);
            }
            if (slots.tryAcquire(schedule.concurrency(), stopTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
                slots.release(schedule.concurrency());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void run() {
        while (!stopping.get()) {
            try {
                // a free slot first: claimed deliveries must not wait out their lease behind busy ones
                if (!slots.tryAcquire(schedule.idlePoll().toMillis(), TimeUnit.MILLISECONDS)) {
                    continue;
                }
            } catch (InterruptedException e) {
                return;
            }
            List<String> claimed;
            try {
                claimed = queue.claim(owner, Math.min(16, slots.availablePermits() + 1), schedule.lease());
            } catch (RuntimeException e) {
                slots.release();
                long suppressed = claimFailures.admit(code(e), System.nanoTime());
                if (suppressed >= 0) {
                    LOG.atWarn().setMessage("claiming webhook deliveries failed").addKeyValue("error.code", code(e))
                            .addKeyValue("suppressed_since_last", suppressed).log();
                }
                LockSupport.parkNanos(schedule.idlePoll().toNanos());
                continue;
            }
            if (claimed.isEmpty()) {
                slots.release();
                LockSupport.parkNanos(schedule.idlePoll().toNanos());
                continue;
            }
            for (int i = 0; i < claimed.size(); i++) {
                if (i > 0) {
                    // the batch was sized by the free slots, so this rarely waits
                    slots.acquireUninterruptibly();
                }
                String deliveryId = claimed.get(i);
                Thread.ofVirtual().name("weft-webhook-attempt").start(() -> {
                    try {
                        attempt(deliveryId);
                    } catch (RuntimeException e) {
                        // the database failed while recording: the lease lapses and the delivery is tried again
                        LOG.atWarn().setMessage("webhook attempt could not be recorded")
                                .addKeyValue("delivery_id", deliveryId).addKeyValue("error.code", code(e)).log();
                    } finally {
                        slots.release();
                        wakeUp();
                    }
                });
            }
        }
    }

    /** One attempt of a claimed delivery, recorded. */
    void attempt(String deliveryId) {
        DeliveryQueue.Claimed delivery = queue.load(deliveryId).orElse(null);
        if (delivery == null) {
            return;
        }
        if (delivery.webhookGone()) {
            if (queue.cancel(deliveryId, owner)) {
                finished(Delivery.CANCELLED).increment();
            }
            return;
        }
        Instant startedAt = clock.instant();
        DeliveryResult result = send(delivery, startedAt);
        if (result == null) {
            // disabled since the claim (a 410 to another of its deliveries, a PATCH): nothing more goes to it
            queue.release(deliveryId, owner);
            return;
        }
        if (result.outcome() == DeliveryResult.Outcome.DEFERRED) {
            defer(delivery, result);
            return;
        }
        DeliveryQueue.Next next = next(delivery, result, clock.millis());
        // metered after the record commits: the dashboard reads the deliveries again when the attempts move, so an
        // attempt counted before its row changed could leave it showing the old row until the next attempt
        try {
            if (queue.record(delivery, owner, startedAt, result, next, config.disableAfter())
                    && !next.state().equals(Delivery.PENDING)) {
                finished(next.state()).increment();
            }
        } finally {
            timer(result.outcome()).record(Duration.ofMillis(Math.max(0, result.latencyMillis())));
        }
        LOG.atDebug().setMessage("webhook attempt").addKeyValue("delivery_id", deliveryId)
                .addKeyValue("outcome", result.outcome().name()).addKeyValue("http.response.status_code",
                        result.status()).addKeyValue("next_state", next.state()).log();
    }

    /**
     * Not sent for a reason of weft's own: no attempt is recorded and the webhook's health is untouched (another
     * user's receivers must not be able to get this webhook disabled); due again after the sender's wait plus up
     * to as much jitter, the attempt count and so the retry schedule unchanged.
     */
    private void defer(DeliveryQueue.Claimed delivery, DeliveryResult result) {
        Duration wait = result.retryAfter() == null ? WebhookSender.DEFER_FOR : result.retryAfter();
        long due = clock.millis() + wait.toMillis() + ThreadLocalRandom.current().nextLong(wait.toMillis() + 1);
        queue.defer(delivery.deliveryId(), owner, due);
        deferrals().increment();
        LOG.atDebug().setMessage("webhook attempt deferred").addKeyValue("delivery_id", delivery.deliveryId())
                .addKeyValue("reason", result.detail()).log();
    }

    /** @return what the attempt came to, or {@code null} if the webhook was disabled since the claim (not sent) */
    private @Nullable DeliveryResult send(DeliveryQueue.Claimed delivery, Instant startedAt) {
        long start = System.nanoTime();
        String secret;
        try {
            secret = unseal.apply(Objects.requireNonNull(delivery.sealed(), "sealed secret"));
        } catch (RuntimeException e) {
            // a secret sealed under another key (WEFT_WEBHOOKS_SECRET_KEY changed): never sent unsigned
            return new DeliveryResult(DeliveryResult.Outcome.FAILED, 0, elapsed(start), null,
                    "the signing secret cannot be opened (was the secret key changed?)");
        }
        // read just before sending, so a 410 recorded for another of its deliveries after this one was claimed
        // stops it (a primary-key read; attempts already on the wire when the 410 came still go)
        if (delivery.webhookId() != null && !queue.enabled(delivery.webhookId())) {
            return null;
        }
        try {
            return transport.send(delivery.userId(), URI.create(delivery.url()), delivery.messageId(), startedAt,
                    delivery.payload().getBytes(StandardCharsets.UTF_8), secret);
        } catch (RuntimeException e) {
            LOG.atWarn().setMessage("webhook attempt failed inside the sender")
                    .addKeyValue("delivery_id", delivery.deliveryId()).addKeyValue("error.code", code(e)).log();
            return new DeliveryResult(DeliveryResult.Outcome.FAILED, 0, elapsed(start), null, "internal error");
        }
    }

    /** The state and due time an attempt leads to (the delivery rules). */
    DeliveryQueue.Next next(DeliveryQueue.Claimed delivery, DeliveryResult result, long now) {
        return switch (result.outcome()) {
            case DELIVERED -> new DeliveryQueue.Next(Delivery.DELIVERED, now, null);
            case GONE -> new DeliveryQueue.Next(Delivery.FAILED, now, "receiver answered 410 Gone");
            case DEFERRED -> throw new IllegalArgumentException("a deferred attempt has no next state");
            case FAILED, REFUSED -> {
                Duration wait = schedule.backoff().delay(delivery.attempts() + 1, null,
                        ThreadLocalRandom.current());
                Duration hint = result.retryAfter();
                if (hint != null && !hint.isNegative()) {
                    Duration capped = hint.compareTo(schedule.retryAfterCap()) > 0 ? schedule.retryAfterCap() : hint;
                    if (capped.compareTo(wait) > 0) {
                        wait = capped;
                    }
                }
                long due = now + wait.toMillis();
                long giveUpAt = delivery.createdAt().toEpochMilli() + config.retryFor().toMillis();
                yield due > giveUpAt ? new DeliveryQueue.Next(Delivery.FAILED, now, null)
                        : new DeliveryQueue.Next(Delivery.PENDING, due, null);
            }
        };
    }

    private Timer timer(DeliveryResult.Outcome outcome) {
        return Timer.builder("weft.webhooks.attempts").description("Webhook delivery attempts, by outcome")
                .tag("outcome", outcome.name().toLowerCase(Locale.ROOT)).register(registry);
    }

    private Counter deferrals() {
        return Counter.builder("weft.webhooks.deferrals").description("Webhook attempts not sent because weft's"
                + " own limit for the receiving host stayed full; tried again soon, not counted as attempts")
                .register(registry);
    }

    private Counter finished(String state) {
        return Counter.builder("weft.webhooks.deliveries")
                .description("Webhook deliveries that reached a final state, by that state").tag("state", state)
                .register(registry);
    }

    private static long elapsed(long startNanos) {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }

    private static String code(Throwable failure) {
        return failure instanceof WeftException weft ? weft.code() : failure.getClass().getSimpleName();
    }
}
