package dev.weft.http;

import java.nio.file.Path;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A finished download.
 *
 * @param path the file written
 * @param bytes its size
 * @param contentType the response's media type, or {@code null}
 * @param status the response status
 */
public record DownloadResult(Path path, long bytes, @Nullable String contentType, int status) {
    /**
     * Returns the media type, if the server sent one.
     *
     * @return the media type, if the server sent one
     */
    public Optional<String> mediaType() {
        return Optional.ofNullable(contentType);
    }
}
