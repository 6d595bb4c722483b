package dev.weft.service.jobs;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * A job's last recorded step. Workers move a job forward one step at a time and record each step before the next
 * begins, so a job whose worker died resumes from here:
 * {@code queued → uploading → uploaded → processing → polling → completed}, or {@code failed} / {@code cancelled}
 * from any step that is not final.
 */
public enum JobState {
    /** Waiting for a worker; nothing sent to the provider yet. */
    QUEUED("queued"),
    /** The upload to the provider has begun (it is repeated, with the same idempotency key, on resume). */
    UPLOADING("uploading"),
    /** The provider has the file: {@code provider_url} is set. */
    UPLOADED("uploaded"),
    /** Processing is being started (repeated, with the same idempotency key, on resume). */
    PROCESSING("processing"),
    /** The provider runs the job: {@code external_job_id} is set; the worker polls its status. */
    POLLING("polling"),
    /** Done: usage logged, the video has its result. */
    COMPLETED("completed"),
    /** Given up: {@code error} says why. */
    FAILED("failed"),
    /** Cancelled by the owner or the admin. */
    CANCELLED("cancelled");

    private final String wireName;

    JobState(String wireName) {
        this.wireName = wireName;
    }

    /** @return the name stored in the table and shown in the API */
    public String wireName() {
        return wireName;
    }

    /** @return whether the job will not change any more */
    public boolean isFinal() {
        return this == COMPLETED || this == FAILED || this == CANCELLED;
    }

    /** @return the video status API.md shows for a job in this state */
    public String videoStatus() {
        return switch (this) {
            case QUEUED -> "queued";
            case UPLOADING, UPLOADED -> "uploading";
            case PROCESSING, POLLING -> "processing";
            case COMPLETED -> "completed";
            case FAILED -> "failed";
            case CANCELLED -> "cancelled";
        };
    }

    /** @return the states a worker may still act on */
    public static List<JobState> active() {
        return Arrays.stream(values()).filter(state -> !state.isFinal()).toList();
    }

    /**
     * @param text a stored name
     * @return the state
     * @throws IllegalArgumentException for an unknown name
     */
    public static JobState parse(String text) {
        return valueOf(text.toUpperCase(Locale.ROOT));
    }
}
