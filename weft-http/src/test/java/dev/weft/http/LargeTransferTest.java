package dev.weft.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.http.testing.Behavior;
import dev.weft.http.testing.FaultServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

class LargeTransferTest {
    private static final long ONE_GIB = 1L << 30;

    @Test
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    void uploadsAndDownloadsOneGibibyteWithA128MibHeap(@TempDir Path directory) throws Exception {
        String java = ProcessHandle.current().info().command().orElseThrow();
        Process process = new ProcessBuilder(List.of(java, "-Xmx128m", "-cp", System.getProperty("java.class.path"),
                LargeTransferMain.class.getName(), directory.toString(), Long.toString(ONE_GIB)))
                .redirectErrorStream(true).start();
        boolean finished = process.waitFor(200, TimeUnit.SECONDS);
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!finished) {
            process.destroyForcibly();
        }

        assertThat(finished).as(output).isTrue();
        assertThat(process.exitValue()).as(output).isZero();
        assertThat(Files.size(directory.resolve("download.bin"))).isEqualTo(ONE_GIB);
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void leavesNoPartialFileWhenADownloadBreaksOff(@TempDir Path directory) throws IOException {
        try (FaultServer server = FaultServer.start();
                ApiClient api = ApiClient.create(ApiConfig.builder(server.baseUri().toString()).name("broken")
                        .responseTimeout(Duration.ofMillis(200)).maxRetries(0).build())) {
            server.route("GET", "/file", Behavior.trickle(new byte[100_000], 1000, Duration.ofMillis(500)));
            Path target = directory.resolve("file.bin");

            assertThatThrownBy(() -> api.download("/file", target)).isInstanceOf(ApiException.class);

            try (Stream<Path> left = Files.list(directory)) {
                assertThat(left).isEmpty();
            }
        }
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void replacesAnExistingFileOnlyWhenTheDownloadCompletes(@TempDir Path directory) throws IOException {
        try (FaultServer server = FaultServer.start();
                ApiClient api = ApiClient.create(ApiConfig.builder(server.baseUri().toString()).name("replace")
                        .build())) {
            server.route("GET", "/file", Behavior.text(200, "new content"));
            Path target = directory.resolve("file.txt");
            Files.writeString(target, "old");

            DownloadResult result = api.download("/file", target);

            assertThat(Files.readString(target)).isEqualTo("new content");
            assertThat(result.bytes()).isEqualTo(11);
        }
    }
}
