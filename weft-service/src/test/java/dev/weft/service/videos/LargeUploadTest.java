package dev.weft.service.videos;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A 192 MiB upload, sent chunked (no Content-Length), into a service process limited to a 64 MiB heap: it is streamed
 * to disk, so it is accepted whole, with the right size on disk and in the video row.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class LargeUploadTest {
    private static final long SIZE = 192L << 20;

    @TempDir
    Path dir;

    @Test
    void anUploadThreeTimesTheHeapIsStreamedToDisk() throws Exception {
        int port = ChildService.freePort();
        Map<String, String> env = Map.of("WEFT_ADMIN_KEY", CrashResumeTest.ADMIN_KEY, "WEFT_WORKERS", "0");
        try (ChildService service = ChildService.start(port, dir.resolve("data"), dir.resolve("service.log"), "64m",
                env)) {
            String key = CrashResumeTest.call(service.port, "POST", "/users", CrashResumeTest.ADMIN_KEY,
                    "{\"email\":\"big@example.com\",\"username\":\"big_user\"}").path("api_key").asText();
            String boundary = "bigBoundary42";
            InputStream body = new SequenceInputStream(java.util.Collections.enumeration(List.of(
                    new ByteArrayInputStream(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"video\";"
                            + " filename=\"big.mp4\"\r\nContent-Type: video/mp4\r\n\r\n")
                            .getBytes(StandardCharsets.UTF_8)),
                    new Zeros(SIZE),
                    new ByteArrayInputStream(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8)))));

            HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + port + "/process-video")).timeout(Duration.ofSeconds(90))
                    .header("X-API-Key", key).header("Content-Type", "multipart/form-data; boundary=" + boundary)
                    .POST(HttpRequest.BodyPublishers.ofInputStream(() -> body)).build(),
                    HttpResponse.BodyHandlers.ofString());

            assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
            String videoId = new ObjectMapper().readTree(response.body()).path("video_id").asText();
            JsonNode video = CrashResumeTest.call(port, "GET", "/videos/" + videoId, key, null);
            assertThat(video.path("size_bytes").asLong()).isEqualTo(SIZE);
            assertThat(Files.size(dir.resolve("data").resolve("uploads").resolve(videoId))).isEqualTo(SIZE);
        }
    }

    /** {@code size} zero bytes, generated as they are read. */
    private static final class Zeros extends InputStream {
        private long left;

        Zeros(long size) {
            this.left = size;
        }

        @Override
        public int read() {
            if (left == 0) {
                return -1;
            }
            left--;
            return 0;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) {
            if (left == 0) {
                return -1;
            }
            int count = (int) Math.min(length, left);
            java.util.Arrays.fill(buffer, offset, offset + count, (byte) 0);
            left -= count;
            return count;
        }
    }
}
