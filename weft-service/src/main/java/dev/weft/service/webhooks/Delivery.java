package dev.weft.service.webhooks;

import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * One row of the outbox {@code webhook_deliveries}: one event (or test ping) to send to one URL, with where its
 * attempts stand. The sealed secret and the lease stay in the table.
 *
 * <p>Immutable and thread-safe.
 *
 * @param deliveryId {@code dlv_...}
 * @param webhookId the webhook, or {@code null} for a job's {@code callback_url}
 * @param userId the owner
 * @param videoId the video the event is about, or {@code null} for a test ping
 * @param url where it goes, copied at enqueue
 * @param messageId the {@code webhook-id} header: {@code msg_} and the event id, stable across attempts
 * @param eventType {@code video.completed}, ..., or {@code webhook.test}
 * @param payload the JSON body sent
 * @param state {@link #PENDING}, {@link #DELIVERED}, {@link #FAILED} or {@link #CANCELLED}
 * @param attempts attempts made so far
 * @param nextAttemptAt when the next attempt is due (epoch milliseconds); meaningful while pending
 * @param lastStatus the receiver's last HTTP status, or {@code null} (none yet, or no answer)
 * @param lastLatencyMs the last attempt's duration, or {@code null}
 * @param lastError the last failed attempt's short reason, or {@code null}
 * @param createdAt when the event was written to the outbox
 * @param deliveredAt when a 2xx arrived, or {@code null}
 */
public record Delivery(String deliveryId, @Nullable String webhookId, long userId, @Nullable String videoId,
        String url, String messageId, String eventType, String payload, String state, int attempts,
        long nextAttemptAt, @Nullable Integer lastStatus, @Nullable Integer lastLatencyMs, @Nullable String lastError,
        Instant createdAt, @Nullable Instant deliveredAt) {
    /** Waiting for its next attempt (or in flight). */
    public static final String PENDING = "pending";
    /** A 2xx arrived. */
    public static final String DELIVERED = "delivered";
    /** Given up: 410 Gone, or retried for longer than {@code WEFT_WEBHOOKS_RETRY_FOR}. */
    public static final String FAILED = "failed";
    /** Its webhook was deleted before it was delivered. */
    public static final String CANCELLED = "cancelled";
}
