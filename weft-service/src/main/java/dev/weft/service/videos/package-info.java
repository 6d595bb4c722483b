/**
 * The videos endpoints of API.md ({@code POST /process-video}, {@code /videos...}) with the streaming multipart
 * reader behind uploads, and {@link dev.weft.service.videos.VideoJobs}, which plugs the provider, the job engine and
 * these endpoints into the service.
 */
@NullMarked
package dev.weft.service.videos;

import org.jspecify.annotations.NullMarked;
