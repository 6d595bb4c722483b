/**
 * Videos: {@link dev.weft.service.videos.VideoEndpoints} (HTTP: {@code POST /process-video}, {@code /videos...})
 * parse and answer; {@link dev.weft.service.videos.VideoSubmissions} (submit, cancel) and
 * {@link dev.weft.service.videos.Videos} (reads, the job listener) own the use cases; the streaming
 * {@link dev.weft.service.videos.MultipartReader} sits behind uploads; {@link dev.weft.service.videos.VideoJobs}
 * is the opened video feature (provider, job engine, caches, services, endpoints).
 */
@NullMarked
package dev.weft.service.videos;

import org.jspecify.annotations.NullMarked;
