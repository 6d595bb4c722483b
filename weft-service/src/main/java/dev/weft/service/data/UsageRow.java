package dev.weft.service.data;

import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * A row of {@code model_usage}.
 *
 * @param id the id
 * @param userId the user
 * @param videoId the video, if any
 * @param modelType the model
 * @param processingMs processing time
 * @param memoryMb memory used
 * @param gpuPercent GPU use
 * @param createdAt when recorded
 */
public record UsageRow(long id, long userId, @Nullable String videoId, String modelType, long processingMs,
        @Nullable Double memoryMb, @Nullable Double gpuPercent, Instant createdAt) {
}
