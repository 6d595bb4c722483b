package dev.weft.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.http.testing.FaultServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A body that arrives but is not what its headers promised is named for what it is, not an "io_error". */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class BrokenBodyTest {

    @Test
    void aGzipBodyThatIsNotGzipIsABadResponse() {
        try (FaultServer server = FaultServer.start();
                ApiClient api = ApiClient.create(ApiConfig.builder(server.baseUri().toString()).name("broken")
                        .build())) {
            server.route("GET", "/x", exchange -> exchange.respond(200,
                    Map.of("Content-Type", "application/json", "Content-Encoding", "gzip"),
                    "this is not gzip at all".getBytes(StandardCharsets.US_ASCII)));

            // Before: a retryable ApiConnectException "I/O failed: ZipException" (503, as if the host were down).
            assertThatThrownBy(() -> api.get("/x").send()).isInstanceOfSatisfying(ResponseFormatException.class,
                    e -> assertThat(e.code()).isEqualTo("upstream_bad_response"));
        }
    }

    @Test
    void aConnectionClosedInsideAChunkIsAnIncompleteBody() throws Exception {
        // The server promises a 256-byte chunk, sends 3 bytes and closes: FaultServer cannot send such a body.
        byte[] response = ("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "100\r\nabc").getBytes(StandardCharsets.US_ASCII);
        try (ServerSocket listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread.ofVirtual().start(() -> answerOnce(listener, response));
            try (ApiClient api = ApiClient.create(ApiConfig.builder("http://127.0.0.1:" + listener.getLocalPort())
                    .name("broken").build())) {
                // Before: ApiConnectException "io_error" ("I/O failed: TruncatedChunkException").
                assertThatThrownBy(() -> api.get("/x").send()).isInstanceOfSatisfying(ApiConnectException.class,
                        e -> assertThat(e.code()).isEqualTo("body_incomplete"));
            }
        }
    }

    private static void answerOnce(ServerSocket listener, byte[] response) {
        try (Socket socket = listener.accept()) {
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
                int b = in.read();
                if (b < 0) {
                    return;
                }
                head.write(b);
            }
            socket.getOutputStream().write(response);
            socket.getOutputStream().flush();
        } catch (IOException e) {
            // the test's assertion reports what the client saw
        }
    }
}
