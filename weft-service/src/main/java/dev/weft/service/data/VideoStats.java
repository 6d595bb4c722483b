package dev.weft.service.data;

import java.util.Map;

/**
 * The guides' {@code get_video_stats}.
 *
 * @param total all videos counted
 * @param byStatus count per status
 * @param avgProcessingMs mean processing time of the videos that have one; 0 if none
 */
public record VideoStats(long total, Map<String, Long> byStatus, double avgProcessingMs) {
    /** Copies the map. */
    public VideoStats {
        byStatus = Map.copyOf(byStatus);
    }
}
