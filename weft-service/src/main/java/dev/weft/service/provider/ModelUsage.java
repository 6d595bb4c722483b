package dev.weft.service.provider;

import java.util.Objects;

/**
 * What a provider reports a finished job cost, logged to {@code model_usage}.
 *
 * <p>Immutable and thread-safe.
 *
 * @param modelType the model that ran, e.g. {@code video-gen-v1}
 * @param processingMs processing time in milliseconds, &ge; 0
 * @param memoryMb peak memory in MiB, &ge; 0
 * @param gpuPercent mean GPU use, 0..100
 */
public record ModelUsage(String modelType, long processingMs, double memoryMb, double gpuPercent) {
    /** The longest model name kept (the column is 64 characters). */
    public static final int MAX_MODEL_TYPE = 64;

    /** Checks the figures. */
    public ModelUsage {
        Objects.requireNonNull(modelType, "modelType");
        if (modelType.isBlank() || modelType.length() > MAX_MODEL_TYPE) {
            throw new IllegalArgumentException("model_type must be 1.." + MAX_MODEL_TYPE + " characters");
        }
        if (processingMs < 0 || !(memoryMb >= 0) || !(gpuPercent >= 0 && gpuPercent <= 100)) {
            throw new IllegalArgumentException("usage out of range: processing_ms=" + processingMs + " memory_mb="
                    + memoryMb + " gpu_percent=" + gpuPercent);
        }
    }
}
