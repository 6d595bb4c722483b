package dev.weft.service.videos;

import dev.weft.cache.Cache;
import dev.weft.core.NotFoundException;
import dev.weft.service.CacheKeys;
import dev.weft.service.Principal;
import dev.weft.service.ServiceContext;
import dev.weft.service.data.Page;
import dev.weft.service.data.VideoRepository;
import dev.weft.service.data.VideoRow;
import dev.weft.service.data.VideoStats;
import dev.weft.service.jobs.JobEngine;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The video reads (one video through the status cache, a page, the stats) and the job listener: the
 * {@link JobEngine} calls {@link #videoChanged} after each step that changed a video, and this drops the cached
 * video ({@link CacheKeys#video}) and its owner's cached stats.
 *
 * <p>Thread-safe.
 */
public final class Videos implements JobEngine.Listener {
    private final ServiceContext context;
    private final VideoRepository videos;
    private final Cache cache;
    private final CacheKeys keys;
    private final Duration ttl;
    private final Runnable eventsLogged;

    /**
     * @param context the service context
     * @param cache the cache of video rows
     * @param ttl how long a cached video lives ({@link CacheKeys#SHARED_VIDEO_TTL} or
     *     {@link CacheKeys#LOCAL_VIDEO_TTL})
     * @param eventsLogged told after a change of a video committed (a status change logs an event): the event
     *     feed's nudge, so this instance's streams see it at once
     */
    public Videos(ServiceContext context, Cache cache, Duration ttl, Runnable eventsLogged) {
        this.context = Objects.requireNonNull(context, "context");
        this.eventsLogged = Objects.requireNonNull(eventsLogged, "eventsLogged");
        this.cache = Objects.requireNonNull(cache, "cache");
        this.ttl = Objects.requireNonNull(ttl, "ttl");
        this.videos = context.videos();
        this.keys = context.cacheKeys();
    }

    /**
     * @param caller who asks; a user key reaches only its own videos
     * @param videoId the video
     * @return the video, read through the cache
     * @throws NotFoundException if there is none, or the caller may not see it
     */
    public VideoRow get(Principal caller, String videoId) {
        VideoRow video;
        try {
            video = cache.getOrLoad(keys.video(videoId), VideoRow.class, ttl,
                    () -> videos.getByVideoId(videoId).orElseThrow(Videos::notFound));
        } catch (NotFoundException e) {
            throw e;
        } catch (RuntimeException e) {
            if (e.getCause() instanceof NotFoundException missing) {
                throw missing;
            }
            throw e;
        }
        if (!caller.mayAccessUser(video.userId())) {
            throw notFound();
        }
        return video;
    }

    /**
     * @param userId the owner, or {@code null} for every user (the admin)
     * @param status the status filter, or {@code null}
     * @param page the page
     * @return one page of videos
     */
    public List<VideoRow> list(@Nullable Long userId, @Nullable String status, Page page) {
        return videos.getUserVideos(userId, status, page);
    }

    /** @param userId the owner, or {@code null} @param status the filter, or {@code null} @return how many match */
    public long count(@Nullable Long userId, @Nullable String status) {
        return videos.count(userId, status);
    }

    /** @param userId the owner, or {@code null} for every user @return counts per status and timing */
    public VideoStats stats(@Nullable Long userId) {
        return videos.getVideoStats(userId);
    }

    /** Drops the cached video and its owner's cached stats, and nudges the event feed. */
    @Override
    public void videoChanged(String videoId, long userId) {
        try {
            cache.invalidate(keys.video(videoId));
            context.invalidateUser(userId);
        } finally {
            eventsLogged.run();
        }
    }

    /**
     * Drops the owner's cached stats after a video was added, and nudges the event feed ({@code queued}).
     *
     * @param userId the owner
     */
    public void videoAdded(long userId) {
        try {
            context.invalidateUser(userId);
        } finally {
            eventsLogged.run();
        }
    }

    static NotFoundException notFound() {
        return new NotFoundException("not_found", "video not found");
    }
}
