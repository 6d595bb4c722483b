package dev.weft.service.data;

import dev.weft.service.Json;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A video as the API shows it (API.md): options as a JSON object, no storage path. {@code GET /videos/{video_id}}
 * and the event log ({@link VideoEventRepository}) render through this one place, so an event's data is exactly
 * what a read of the video at that moment returns.
 *
 * <p>Stateless and thread-safe.
 */
public final class VideoView {
    private VideoView() {
    }

    /**
     * @param video the row
     * @param json the service's mapper, to read the stored options text as a JSON object
     * @return the video's fields in the API's order
     */
    public static Map<String, Object> of(VideoRow video, Json json) {
        Objects.requireNonNull(video, "video");
        Objects.requireNonNull(json, "json");
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("video_id", video.videoId());
        out.put("user_id", video.userId());
        out.put("filename", video.filename());
        out.put("size_bytes", video.sizeBytes());
        out.put("status", video.status());
        out.put("job_id", video.jobId());
        out.put("external_job_id", video.externalJobId());
        out.put("result_url", video.resultUrl());
        out.put("error", video.error());
        // read as stored, decimals exact: a double would turn 1e400 into "Infinity" and 1.10 into 1.1
        out.put("options", video.options() == null ? null
                : json.readTreeExact(video.options().getBytes(StandardCharsets.UTF_8)));
        out.put("processing_ms", video.processingMs());
        out.put("created_at", video.createdAt());
        out.put("updated_at", video.updatedAt());
        return out;
    }
}
