package dev.weft.service.webhooks;

import dev.weft.db.SqlOperations;
import dev.weft.service.data.VideoEvent;
import dev.weft.service.data.VideoEventRepository;
import dev.weft.service.data.VideoRow;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The outbox: for each video event, one pending delivery per webhook of the video's owner subscribed to the
 * event's type (a disabled one's too: they wait, pending and unclaimed, until it is enabled again, as API.md
 * promises), and one to the job's {@code callback_url} when it has one, inserted in the transaction of the status
 * change (through {@link VideoEventRepository.Outbox}), so a rollback writes neither the event nor its deliveries
 * and a commit writes both.
 *
 * <p>Cost per event: one select of the owner's webhooks (index on {@code user_id}) and one primary-key
 * select of the job's callback, both before the event counter is taken (its lock serializes every status change
 * until the commit), then only the inserts under it.
 *
 * <p>Thread-safe (stateless).
 */
public final class WebhookOutbox implements VideoEventRepository.Outbox {
    /** The event types a video status change is delivered as: {@code video.} and the status. */
    public static final List<String> VIDEO_EVENT_TYPES = List.of("video.queued", "video.uploading",
            "video.processing", "video.completed", "video.failed", "video.cancelled");

    private final Clock clock;

    /** @param clock the clock of each delivery's {@code created_at} and first due time */
    public WebhookOutbox(Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** @param status a video status @return its event type, {@code video.<status>} */
    public static String eventType(String status) {
        return "video." + status;
    }

    @Override
    public Writes prepare(SqlOperations tx, VideoRow video) {
        String type = eventType(video.status());
        List<Target> targets = new ArrayList<>();
        for (Map<String, Object> hook : tx.query("SELECT webhook_id, url, event_types FROM webhooks"
                + " WHERE user_id = :user_id", Map.of("user_id", video.userId())).list()) {
            if (subscribed(String.valueOf(hook.get("event_types")), type)) {
                targets.add(new Target(String.valueOf(hook.get("webhook_id")), String.valueOf(hook.get("url")), null));
            }
        }
        if (video.jobId() != null) {
            for (Map<String, Object> job : tx.query("SELECT callback_url, callback_secret_sealed FROM jobs"
                    + " WHERE job_id = :job_id AND callback_url IS NOT NULL", Map.of("job_id", video.jobId())).list()) {
                Object sealed = job.get("callback_secret_sealed");
                if (sealed != null) {
                    targets.add(new Target(null, String.valueOf(job.get("callback_url")), String.valueOf(sealed)));
                }
            }
        }
        if (targets.isEmpty()) {
            return (writeTx, event) -> { };
        }
        return (writeTx, event) -> write(writeTx, event, type, targets);
    }

    private void write(SqlOperations tx, VideoEvent event, String type, List<Target> targets) {
        String payload = "{\"type\":\"" + type + "\",\"timestamp\":\"" + event.createdAt() + "\",\"data\":"
                + event.payload() + "}";
        String messageId = "msg_" + event.eventId();
        for (Target target : targets) {
            DeliveryRepository.insert(tx, DeliveryRepository.newDeliveryId(), target.webhookId(), event.userId(),
                    event.videoId(), target.url(), target.secretSealed(), messageId, type, payload, clock.instant());
        }
    }

    /** Whether a webhook's comma-separated {@code event_types} include {@code type}. */
    static boolean subscribed(String eventTypes, String type) {
        return Arrays.stream(eventTypes.split(",")).map(String::strip).anyMatch(type::equals);
    }

    /** A receiver of one event: a webhook (its secret read at send time) or a job's callback (its own secret). */
    private record Target(@Nullable String webhookId, String url, @Nullable String secretSealed) {
    }
}
