package dev.weft.service.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Removes stored upload files (a video's {@code storage_path}). Stateless; thread-safe. */
public final class Uploads {
    private static final Logger LOG = LoggerFactory.getLogger(Uploads.class);

    private Uploads() {
    }

    /**
     * Deletes stored uploads; a file that cannot be deleted is logged and skipped, never thrown, because the rows
     * that named it are already gone.
     *
     * @param paths the files' paths
     * @param reason why they go, for the log ({@code processed}, {@code cancelled}, {@code user_deleted})
     * @return how many files were deleted
     */
    public static int delete(Collection<String> paths, String reason) {
        int deleted = 0;
        for (String path : paths) {
            try {
                if (Files.deleteIfExists(Path.of(path))) {
                    deleted++;
                }
            } catch (IOException | RuntimeException e) {
                LOG.atWarn().setMessage("could not delete an upload").addKeyValue("reason", reason)
                        .addKeyValue("error.message", e.toString()).log();
            }
        }
        return deleted;
    }
}
