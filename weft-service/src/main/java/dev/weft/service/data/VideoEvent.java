package dev.weft.service.data;

import java.time.Instant;

/**
 * One row of the event log {@code video_events}: a video's status change.
 *
 * @param eventId the log's id: increasing in commit order across every instance (see {@link VideoEventRepository})
 * @param userId the video's owner
 * @param videoId the video
 * @param eventType the status the video changed to ({@code queued, uploading, processing, completed, failed,
 *     cancelled})
 * @param payload the video as the API renders it at that change, JSON text on one line
 * @param createdAt when the change was recorded
 */
public record VideoEvent(long eventId, long userId, String videoId, String eventType, String payload,
        Instant createdAt) {
    /** @return whether the video cannot change status after this event */
    public boolean terminal() {
        return eventType.equals("completed") || eventType.equals("failed") || eventType.equals("cancelled");
    }
}
