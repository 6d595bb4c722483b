package dev.weft.service.data;

/**
 * The guides' {@code get_user_stats}.
 *
 * @param userId the user
 * @param videoCount all the user's videos
 * @param completedVideos videos in {@code completed}
 * @param failedVideos videos in {@code failed}
 * @param totalProcessingMs processing time over the user's model usage
 * @param credits the balance
 */
public record UserStats(long userId, long videoCount, long completedVideos, long failedVideos,
        long totalProcessingMs, long credits) {
}
