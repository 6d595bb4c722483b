package dev.weft.service.jobs;

import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * A row of {@code jobs}.
 *
 * @param jobId the id, {@code job_...}
 * @param videoId the video it processes
 * @param userId the video's owner
 * @param state the last recorded step (stored as its {@link JobState#wireName()})
 * @param attempts failed attempts so far
 * @param nextAttemptAt epoch milliseconds before which no worker takes the job (backoff)
 * @param leaseOwner the worker holding the job, or {@code null}
 * @param leaseExpiresAt epoch milliseconds when the lease lapses, or {@code null}
 * @param cancelRequested 1 once a cancel was asked for while a worker held the job
 * @param providerUrl the provider's URL of the upload
 * @param externalJobId the provider's job id
 * @param error the last failure, or the reason of {@code failed}
 * @param createdAt when created
 * @param updatedAt when last changed
 * @param finishedAt when it reached a final state
 * @param traceParent the W3C {@code traceparent} of the span that submitted the job, or {@code null} (no tracing)
 * @param requestId the {@code X-Request-Id} of the request that submitted it, or {@code null} (not from a request)
 */
public record JobRow(String jobId, String videoId, long userId, JobState state, int attempts, long nextAttemptAt,
        @Nullable String leaseOwner, @Nullable Long leaseExpiresAt, int cancelRequested, @Nullable String providerUrl,
        @Nullable String externalJobId, @Nullable String error, Instant createdAt, Instant updatedAt,
        @Nullable Instant finishedAt, @Nullable String traceParent, @Nullable String requestId) {
}
