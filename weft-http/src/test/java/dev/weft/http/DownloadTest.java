package dev.weft.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.http.testing.Behavior;
import dev.weft.http.testing.FaultServer;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class DownloadTest {
    @TempDir
    Path directory;
    private FaultServer server;
    private ApiClient api;

    @BeforeEach
    void start() {
        server = FaultServer.start();
        api = ApiClient.create(ApiConfig.builder(server.baseUri().toString()).name("download").build());
    }

    @AfterEach
    void stop() {
        api.close();
        server.close();
    }

    private List<Path> files() throws Exception {
        try (Stream<Path> listing = Files.list(directory)) {
            return listing.toList();
        }
    }

    @Test
    void aBodyThatBreaksOffLeavesTheOldFileAndNoPartialOne() throws Exception {
        server.route("GET", "/export", exchange -> {
            OutputStream out = exchange.respondStreaming(200, Map.of("Content-Type", "text/csv"), 100_000);
            out.write(new byte[10_000]);
            out.flush();
            exchange.reset();
        });
        Path target = directory.resolve("export.csv");
        Files.writeString(target, "yesterday");

        assertThatThrownBy(() -> api.download("/export", target)).isInstanceOf(ApiConnectException.class);

        assertThat(files()).containsExactly(target);
        assertThat(Files.readString(target)).isEqualTo("yesterday");
        assertThat(api.poolStatus().get(api.config().baseAuthority()).leased()).isZero();
    }

    @Test
    void aRedirectIsNotWrittenOverTheFile() throws Exception {
        // Before, the 302's (empty) body replaced export.csv and the download reported success.
        server.route("GET", "/export", Behavior.status(302, Map.of("Location", "/elsewhere")));
        Path target = directory.resolve("export.csv");
        Files.writeString(target, "yesterday");

        assertThatThrownBy(() -> api.download("/export", target)).isInstanceOfSatisfying(UpstreamException.class,
                e -> assertThat(e.status()).isEqualTo(302));

        assertThat(files()).containsExactly(target);
        assertThat(Files.readString(target)).isEqualTo("yesterday");
    }

    @Test
    void aFileThatCannotBeWrittenIsNotBlamedOnTheUpstream() throws Exception {
        // Before, this was a retryable ApiConnectException "I/O failed: FileSystemException" (a 503 upstream fault).
        server.route("GET", "/export", Behavior.text(200, "a,b\n"));
        Path target = directory.resolve("export.csv");
        Files.createDirectories(target.resolve("in-the-way"));

        assertThatThrownBy(() -> api.download("/export", target)).isInstanceOf(UncheckedIOException.class)
                .isNotInstanceOf(ApiException.class).hasMessageContaining("export.csv")
                .hasMessageNotContaining(directory.toString());

        assertThat(files()).containsExactly(target);
        assertThat(server.requests()).isEqualTo(1);
        assertThat(api.poolStatus().get(api.config().baseAuthority()).leased()).isZero();
    }
}
