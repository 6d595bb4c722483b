package dev.weft.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * Connection exhaustion at the edge: a security review held 1,500 connections open on the service and nothing stopped
 * more. {@code WEFT_MAX_CONNECTIONS} caps them: past the cap the server accepts no new connection until one closes.
 * A low cap here, so the test needs only a few sockets.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(60)
class ConnectionLimitsTest {
    private static final int CAP = 2;
    private TestService service;

    @BeforeAll
    void start() {
        service = new TestService(TestBackends.SQLITE, config -> config.withMaxConnections(CAP));
    }

    @AfterAll
    void stop() {
        service.close();
    }

    @Test
    void aClientPastTheConnectionCapWaitsUnansweredUntilAConnectionCloses() throws IOException {
        Socket first = kept();
        Socket second = kept();

        try (Socket third = new Socket("127.0.0.1", service.service.port())) {
            send(third);
            third.setSoTimeout(1_000);
            // accepted by the kernel, not by the server: nothing answers while both slots are held
            assertThatThrownBy(() -> third.getInputStream().read()).isInstanceOf(SocketTimeoutException.class);

            first.close();

            third.setSoTimeout(10_000);
            assertThat(statusLine(third.getInputStream())).isEqualTo("HTTP/1.1 200 OK");
        } finally {
            first.close();
            second.close();
        }
    }

    /** @return a connection that made one request and is kept open, as a keep-alive client's is */
    private Socket kept() throws IOException {
        Socket socket = new Socket("127.0.0.1", service.service.port());
        socket.setSoTimeout(10_000);
        send(socket);
        InputStream in = socket.getInputStream();
        assertThat(statusLine(in)).isEqualTo("HTTP/1.1 200 OK");
        return socket;
    }

    private static void send(Socket socket) throws IOException {
        socket.getOutputStream().write("GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n"
                .getBytes(StandardCharsets.US_ASCII));
    }

    private static String statusLine(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        for (int c = in.read(); c >= 0 && c != '\n'; c = in.read()) {
            line.append((char) c);
        }
        return line.toString().strip();
    }
}
