package dev.weft.service.data;

import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A row of {@code webhooks} as the API shows it: never its sealed secret, which stays in {@link WebhookRepository}.
 *
 * @param webhookId the id, {@code wh_...}
 * @param userId the owner
 * @param url where deliveries go
 * @param eventTypes the event types it receives, comma-separated as stored
 * @param description the owner's note, or {@code null}
 * @param enabled whether deliveries are sent
 * @param disabledReason why it was disabled, or {@code null}
 * @param disabledAt when it was disabled, or {@code null}
 * @param failingSince epoch ms of the first failed attempt since the last success, or {@code null}
 * @param createdAt when registered
 * @param updatedAt when last changed
 */
public record WebhookRow(String webhookId, long userId, String url, String eventTypes, @Nullable String description,
        boolean enabled, @Nullable String disabledReason, @Nullable Instant disabledAt, @Nullable Long failingSince,
        Instant createdAt, Instant updatedAt) {

    /** @return {@link #eventTypes()} as a list, in stored order */
    public List<String> eventTypeList() {
        return eventTypes.isEmpty() ? List.of() : Arrays.asList(eventTypes.split(","));
    }
}
