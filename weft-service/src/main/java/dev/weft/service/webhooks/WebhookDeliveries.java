package dev.weft.service.webhooks;

import dev.weft.core.ConflictException;
import dev.weft.core.NotFoundException;
import dev.weft.service.Principal;
import dev.weft.service.data.Page;
import dev.weft.service.data.WebhookRow;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The delivery use cases of a webhook: send a test ping, list its deliveries, read one with its attempts, send one
 * again. Each first checks that the caller sees the webhook ({@link Webhooks#visible}), and a delivery of another
 * webhook is a 404 like a missing one. Deliveries are sent by the delivery worker; these calls queue and wake it.
 *
 * <p>Thread-safe.
 */
public final class WebhookDeliveries {
    private final Webhooks webhooks;
    private final DeliveryRepository deliveries;
    private final DeliveryPages pages;
    private final Runnable deliveriesDue;

    /**
     * @param webhooks the registrations, for the caller's access
     * @param deliveries the outbox
     * @param pages the outbox's pages
     * @param deliveriesDue wakes the delivery worker, so a queued delivery is tried within the second
     */
    public WebhookDeliveries(Webhooks webhooks, DeliveryRepository deliveries, DeliveryPages pages,
            Runnable deliveriesDue) {
        this.webhooks = Objects.requireNonNull(webhooks, "webhooks");
        this.deliveries = Objects.requireNonNull(deliveries, "deliveries");
        this.pages = Objects.requireNonNull(pages, "pages");
        this.deliveriesDue = Objects.requireNonNull(deliveriesDue, "deliveriesDue");
    }

    /**
     * Queues a {@code webhook.test} ping, due now.
     *
     * @param caller who asks
     * @param webhookId the webhook
     * @return {@code delivery_id} and {@code state}
     * @throws NotFoundException if there is no such webhook, or the caller may not see it
     * @throws ConflictException {@code webhook_disabled} while it is disabled (the ping would wait with the rest)
     */
    public Map<String, Object> test(Principal caller, String webhookId) {
        WebhookRow webhook = webhooks.visible(caller, webhookId);
        if (!webhook.enabled()) {
            throw disabled();
        }
        Delivery queued = deliveries.enqueueTest(webhookId, webhook.userId(), webhook.url());
        deliveriesDue.run();
        return accepted(queued.deliveryId());
    }

    /**
     * @param caller who asks
     * @param webhookId the webhook
     * @param state only deliveries in this state, or {@code null}
     * @param page the page
     * @return the page's deliveries, rendered
     * @throws NotFoundException if there is no such webhook, or the caller may not see it
     */
    public List<Map<String, Object>> list(Principal caller, String webhookId, @Nullable String state, Page page) {
        webhooks.visible(caller, webhookId);
        return pages.list(webhookId, state, page).stream().map(WebhookDeliveries::view).toList();
    }

    /**
     * @param webhookId the webhook (already checked by {@link #list})
     * @param state only this state, or {@code null}
     * @return how many deliveries it has
     */
    public long count(String webhookId, @Nullable String state) {
        return pages.count(webhookId, state);
    }

    /**
     * @param caller who asks
     * @param webhookId the webhook
     * @param deliveryId one of its deliveries
     * @return the delivery with {@code attempt_history}
     * @throws NotFoundException if either is missing, the delivery is another webhook's, or the caller may not see it
     */
    public Map<String, Object> get(Principal caller, String webhookId, String deliveryId) {
        Delivery delivery = owned(caller, webhookId, deliveryId);
        Map<String, Object> view = view(delivery);
        view.put("attempt_history", deliveries.attempts(deliveryId).stream().map(attempt -> {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("attempt", attempt.attempt());
            out.put("started_at", attempt.startedAt());
            out.put("status", attempt.status());
            out.put("latency_ms", attempt.latencyMs());
            out.put("outcome", attempt.outcome());
            out.put("detail", attempt.detail());
            return out;
        }).toList());
        return view;
    }

    /**
     * Sends a failed or pending delivery again, due now; its attempts so far are kept.
     *
     * @param caller who asks
     * @param webhookId the webhook
     * @param deliveryId one of its deliveries
     * @return {@code delivery_id} and {@code state}
     * @throws NotFoundException as {@link #get}
     * @throws ConflictException {@code webhook_disabled} while the webhook is disabled (as {@link #test}: nothing would
     *     be sent until it is enabled), {@code delivery_final} for a delivered or cancelled one
     */
    public Map<String, Object> retry(Principal caller, String webhookId, String deliveryId) {
        WebhookRow webhook = webhooks.visible(caller, webhookId);
        Delivery delivery = owned(webhookId, deliveryId);
        if (!webhook.enabled()) {
            throw disabled();
        }
        if (!deliveries.retryNow(deliveryId)) {
            throw new ConflictException("delivery_final", "the delivery is " + delivery.state()
                    + "; only a pending or failed one can be sent again");
        }
        deliveriesDue.run();
        return accepted(deliveryId);
    }

    private Delivery owned(Principal caller, String webhookId, String deliveryId) {
        webhooks.visible(caller, webhookId);
        return owned(webhookId, deliveryId);
    }

    /** @return the delivery, a 404 unless it is {@code webhookId}'s (already checked visible) */
    private Delivery owned(String webhookId, String deliveryId) {
        Delivery delivery = deliveries.find(deliveryId).orElseThrow(WebhookDeliveries::notFound);
        if (!webhookId.equals(delivery.webhookId())) {
            throw notFound();
        }
        return delivery;
    }

    private static ConflictException disabled() {
        return new ConflictException("webhook_disabled", "the webhook is disabled; enable it first");
    }

    private static Map<String, Object> accepted(String deliveryId) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("delivery_id", deliveryId);
        out.put("state", Delivery.PENDING);
        return out;
    }

    /** @param delivery a row @return the delivery as the API shows it: no payload, no secret, no lease */
    static Map<String, Object> view(Delivery delivery) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("delivery_id", delivery.deliveryId());
        out.put("webhook_id", delivery.webhookId());
        out.put("event_type", delivery.eventType());
        out.put("message_id", delivery.messageId());
        out.put("state", delivery.state());
        out.put("attempts", delivery.attempts());
        out.put("last_status", delivery.lastStatus());
        out.put("last_latency_ms", delivery.lastLatencyMs());
        out.put("last_error", delivery.lastError());
        out.put("next_attempt_at", Delivery.PENDING.equals(delivery.state())
                ? Instant.ofEpochMilli(delivery.nextAttemptAt()) : null);
        out.put("created_at", delivery.createdAt());
        out.put("delivered_at", delivery.deliveredAt());
        return out;
    }

    static NotFoundException notFound() {
        return new NotFoundException("not_found", "delivery not found");
    }
}
