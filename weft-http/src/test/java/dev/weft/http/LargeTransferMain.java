package dev.weft.http;

import dev.weft.http.testing.Behavior;
import dev.weft.http.testing.BigBody;
import dev.weft.http.testing.FaultServer;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;

/**
 * Uploads and downloads a large file through {@link ApiClient}, in a JVM started by {@link LargeTransferTest} with a
 * small heap, so that buffering a body whole would fail with OutOfMemoryError. Exits 0 when both transfers left the
 * right bytes, 1 otherwise, printing what it saw.
 */
public final class LargeTransferMain {
    private LargeTransferMain() {
    }

    /** @param args directory for the files, size in bytes */
    public static void main(String[] args) throws Exception {
        Path directory = Path.of(args[0]);
        long size = Long.parseLong(args[1]);
        String expected = BigBody.sha256Hex(size);
        Path source = directory.resolve("upload.bin");
        try (InputStream in = BigBody.inputStream(size); OutputStream out = Files.newOutputStream(source)) {
            in.transferTo(out);
        }
        try (FaultServer server = FaultServer.start();
                ApiClient api = ApiClient.create(ApiConfig.builder(server.baseUri().toString()).name("large")
                        .responseTimeout(Duration.ofSeconds(60)).totalTimeout(Duration.ofMinutes(5)).build())) {
            server.route("POST", "/upload", Behavior.sink());
            server.route("GET", "/download", Behavior.bigBody(size));

            ApiResponse uploaded = api.upload("/upload", "video", source, "application/octet-stream",
                    Map.of("note", "large"));
            String uploadReport = uploaded.text();
            boolean uploadOk = uploadReport.contains(expected);

            Path target = directory.resolve("download.bin");
            DownloadResult download = api.download("/download", target);
            String downloaded = sha256(target);
            boolean downloadOk = download.bytes() == size && downloaded.equals(expected);

            System.out.println("heap max " + Runtime.getRuntime().maxMemory() + " upload " + uploadOk + " "
                    + uploadReport.substring(0, Math.min(300, uploadReport.length())) + " download " + download.bytes()
                    + " " + downloaded + " expected " + expected);
            System.exit(uploadOk && downloadOk ? 0 : 1);
        }
    }

    private static String sha256(Path file) throws Exception {
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        byte[] buffer = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(file)) {
            for (int read = in.read(buffer); read >= 0; read = in.read(buffer)) {
                digest.update(buffer, 0, read);
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }
}
