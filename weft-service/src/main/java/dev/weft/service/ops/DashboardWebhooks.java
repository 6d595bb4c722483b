package dev.weft.service.ops;

import dev.weft.service.Json;
import dev.weft.service.data.WebhookRepository;
import dev.weft.service.webhooks.Delivery;
import dev.weft.service.webhooks.DeliveryRepository;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;

/**
 * The dashboard's {@code webhooks} section: deliveries by state, disabled webhooks and the latest failed deliveries,
 * read from the database only when the document is rendered (a stream is open or a script polls), and then at most
 * once per {@link #PERIOD} while deliveries are being attempted, else once per {@link #MAX_AGE}; plus attempts by
 * outcome over the sampler's window, which come from the {@code weft.webhooks.attempts} meters with no I/O. Every
 * delivery is attempted as soon as it is due, so while the attempts do not move the stored figures hardly do: a page
 * open on a quiet service costs no query per period. Without the webhooks feature (its meters absent, so its tables
 * may be too) the section is empty and nothing is read.
 *
 * <p>Thread-safe.
 */
final class DashboardWebhooks {
    /** The shortest time between two reads of the database. */
    static final Duration PERIOD = Duration.ofSeconds(10);
    /**
     * The longest time between two reads while no attempt is made (what else changes the figures: a webhook disabled
     * or deleted through the API, a delivery queued and not yet attempted).
     */
    static final Duration MAX_AGE = Duration.ofMinutes(5);
    /** Failed deliveries shown. */
    static final int FAILURES_SHOWN = 10;
    private static final Stored NONE = new Stored(Map.of(), 0, List.of());

    /**
     * What the database said.
     *
     * @param byState deliveries per state, every state present
     * @param disabled disabled webhooks
     * @param failures the latest failed deliveries, rendered
     */
    private record Stored(Map<String, Long> byState, long disabled, List<Map<String, Object>> failures) {
    }

    /**
     * @param at when it was read (the monotonic clock)
     * @param attempts the attempts in the window when it was read
     * @param stored what was read
     */
    private record Read(long at, Map<String, Long> attempts, Stored stored) {
    }

    private final MeterRegistry registry;
    private final DeliveryRepository deliveries;
    private final WebhookRepository webhooks;
    private final LongSupplier nanoTime;
    private final AtomicReference<@Nullable Read> last = new AtomicReference<>();
    // the section built last and what it was built from: handed out again while they hold, so an unchanged section
    // costs the dashboard no rendering
    private final AtomicReference<@Nullable Built> built = new AtomicReference<>();
    private volatile boolean enabled;
    // whether the meters were searched for, and when they may be again (the monotonic clock)
    private volatile boolean searched;
    private volatile long searchAgainAt;
    private final AtomicLong unreadable = new AtomicLong();

    /**
     * @param registry where the webhooks feature registers its meters
     * @param deliveries the outbox
     * @param webhooks the registrations
     * @param nanoTime the monotonic clock the period is measured on
     */
    DashboardWebhooks(MeterRegistry registry, DeliveryRepository deliveries, WebhookRepository webhooks,
            LongSupplier nanoTime) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.deliveries = Objects.requireNonNull(deliveries, "deliveries");
        this.webhooks = Objects.requireNonNull(webhooks, "webhooks");
        this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
    }

    /**
     * @param attemptsInWindow attempts by outcome over the sampler's window
     * @return the section: {@code enabled}, {@code by_state}, {@code disabled_webhooks},
     *     {@code attempts_in_window}, {@code recent_failures}; the same object as last time while nothing in it moved
     */
    Map<String, Object> section(Map<String, Long> attemptsInWindow) {
        long now = nanoTime.getAsLong();
        if (!enabled && (!searched || now - searchAgainAt >= 0)) {
            // the feature registers its meters at start and never removes them: once found, not searched again, and
            // while absent (the feature is off) searched once a MAX_AGE, not at every rendering (a walk over every meter)
            enabled = registry.find("weft.webhooks.attempts").timer() != null;
            searched = true;
            searchAgainAt = now + MAX_AGE.toNanos();
        }
        Stored stored = enabled ? stored(attemptsInWindow) : NONE;
        Built kept = built.get();
        if (kept != null && kept.enabled() == enabled && kept.stored() == stored
                && kept.attempts().equals(attemptsInWindow)) {
            return kept.section();
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("enabled", enabled);
        out.put("by_state", stored.byState());
        out.put("disabled_webhooks", stored.disabled());
        out.put("attempts_in_window", new TreeMap<>(attemptsInWindow));
        out.put("recent_failures", stored.failures());
        built.set(new Built(enabled, stored, Map.copyOf(attemptsInWindow), out));
        return out;
    }

    /** @return how many reads found the database down or slow: the dashboard looks again after each */
    long unreadable() {
        return unreadable.get();
    }

    private record Built(boolean enabled, Stored stored, Map<String, Long> attempts, Map<String, Object> section) {
    }

    private Stored stored(Map<String, Long> attemptsInWindow) {
        long now = nanoTime.getAsLong();
        Read kept = last.get();
        if (kept == null || now - kept.at() >= MAX_AGE.toNanos()
                || now - kept.at() >= PERIOD.toNanos() && !kept.attempts().equals(attemptsInWindow)) {
            Stored stored;
            try {
                stored = new Stored(deliveries.countByState(), webhooks.countDisabled(),
                        deliveries.recentFailures(FAILURES_SHOWN).stream().map(DashboardWebhooks::failure).toList());
            } catch (RuntimeException e) {
                if (!DashboardModule.unreachable(e)) {
                    throw e;
                }
                // the database is down or slow: the figures read last, or none; the next render reads again
                unreadable.incrementAndGet();
                return kept == null ? NONE : kept.stored();
            }
            // two renders may both read at once; each gets fresh figures, and the later one is kept
            kept = new Read(now, Map.copyOf(attemptsInWindow), stored);
            last.set(kept);
        }
        return kept.stored();
    }

    private static Map<String, Object> failure(Delivery delivery) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("delivery_id", delivery.deliveryId());
        out.put("webhook_id", delivery.webhookId());
        out.put("event_type", delivery.eventType());
        out.put("attempts", delivery.attempts());
        out.put("last_status", delivery.lastStatus());
        // stored already short and without addresses; sanitised again so the screen never depends on that
        out.put("last_error", delivery.lastError() == null ? null : DashboardModule.sanitise(delivery.lastError()));
        // a failed delivery's next_attempt_at is set to when it was given up on
        out.put("failed_at", Json.timestamp(Instant.ofEpochMilli(delivery.nextAttemptAt())));
        return out;
    }
}
