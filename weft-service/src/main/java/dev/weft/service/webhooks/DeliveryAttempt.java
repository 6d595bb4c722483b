package dev.weft.service.webhooks;

import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * One row of {@code webhook_attempts}: one try of a delivery.
 *
 * <p>Immutable and thread-safe.
 *
 * @param deliveryId the delivery
 * @param attempt 1 for the first try
 * @param startedAt when it started
 * @param status the receiver's HTTP status, or {@code null} when there was no answer (refused, timeout, reset)
 * @param latencyMs how long it took
 * @param outcome {@code delivered}, {@code failed}, {@code gone} or {@code refused}
 * @param detail a short sanitised reason, or {@code null}
 */
public record DeliveryAttempt(String deliveryId, int attempt, Instant startedAt, @Nullable Integer status,
        int latencyMs, String outcome, @Nullable String detail) {
}
