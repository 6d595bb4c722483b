package dev.weft.service.data;

import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * A row of {@code videos}.
 *
 * @param videoId the id, a string
 * @param userId the owner
 * @param filename the uploaded file's name
 * @param sizeBytes the upload's size
 * @param status {@code queued, uploading, processing, completed, failed, cancelled}
 * @param jobId the service's job id
 * @param externalJobId the provider's job id
 * @param resultUrl the result, once completed
 * @param error why it failed
 * @param options the processing options, JSON text
 * @param storagePath where the upload is stored
 * @param processingMs how long the provider took
 * @param createdAt when created
 * @param updatedAt when last changed
 */
public record VideoRow(String videoId, long userId, String filename, long sizeBytes, String status,
        @Nullable String jobId, @Nullable String externalJobId, @Nullable String resultUrl, @Nullable String error,
        @Nullable String options, @Nullable String storagePath, @Nullable Long processingMs, Instant createdAt,
        Instant updatedAt) {
}
