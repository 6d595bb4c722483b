package dev.weft.service.videos;

import java.nio.file.Path;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What a valid upload carried, its file already written to a staging file under the upload directory.
 *
 * @param file the staging file; {@link VideoSubmissions#submit} moves it into place or deletes it
 * @param filename the clean file name
 * @param size the file's size, at least 1
 * @param sha256 the file's SHA-256, hex
 * @param options the {@code options} JSON object as text, or {@code null}
 * @param userId the {@code user_id} field, or {@code null}
 * @param callbackUrl the {@code callback_url} field, checked by the webhook URL policy, or {@code null}
 */
public record Upload(Path file, String filename, long size, String sha256, @Nullable String options,
        @Nullable Long userId, @Nullable String callbackUrl) {
    /** Checks the parts are present. */
    public Upload {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(filename, "filename");
        Objects.requireNonNull(sha256, "sha256");
    }

    /**
     * An upload without a callback; the constructor from before {@code callback_url} existed.
     *
     * @param file the staging file
     * @param filename the clean file name
     * @param size the file's size
     * @param sha256 the file's SHA-256, hex
     * @param options the options JSON, or {@code null}
     * @param userId the {@code user_id} field, or {@code null}
     */
    public Upload(Path file, String filename, long size, String sha256, @Nullable String options,
            @Nullable Long userId) {
        this(file, filename, size, sha256, options, userId, null);
    }
}
