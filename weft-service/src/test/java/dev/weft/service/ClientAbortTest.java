package dev.weft.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import dev.weft.service.http.ClientDisconnects;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;

/**
 * Issue 17: clients that go away (reset while the answer streams, close after half a body) or stop sending are the
 * client's doing: no 500 in {@code http.server.requests}, no ERROR line, no stack trace; a stalled body ends within
 * the read timeout; an event stream's client closing it is its normal end, counted as its 200. Raw sockets, so the test
 * controls exactly when the connection dies.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(120)
class ClientAbortTest {
    private static final int USERS = 3_000;
    private TestService service;
    private final ListAppender<ILoggingEvent> events = new ListAppender<>();
    private Logger root;
    private Logger helidon;
    private Level helidonLevel;

    @BeforeAll
    void start() {
        service = new TestService(TestBackends.SQLITE);
        for (int batch = 0; batch < USERS / 1000; batch++) {
            List<Map<String, Object>> users = new ArrayList<>();
            for (int i = 0; i < 1000; i++) {
                String name = TestService.unique("abort");
                users.add(Map.of("email", name + "@example.com", "username", name, "full_name",
                        "a name long enough to make the stream larger than the socket buffers " + name));
            }
            assertThat(service.admin("POST", "/users/batch", TestService.json(Map.of("users", users))).status())
                    .isEqualTo(201);
        }
        root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        helidon = (Logger) LoggerFactory.getLogger("io.helidon");
        helidonLevel = helidon.getLevel();
        helidon.setLevel(Level.INFO); // as the service runs: whatever Helidon says about the aborts is seen here
        events.start();
        root.addAppender(events);
    }

    @BeforeEach
    void clearLog() {
        events.list.clear();
    }

    @AfterAll
    void stop() {
        root.detachAppender(events);
        helidon.setLevel(helidonLevel);
        service.close();
    }

    @Test
    void streamAbortedByTheClientIsCountedAs499AndLoggedWithoutStack() throws IOException {
        double before = count("GET", "/users/stream", 499);

        for (int i = 0; i < 50; i++) {
            try (Socket socket = connect()) {
                send(socket, "GET /users/stream HTTP/1.1\r\nHost: x\r\nX-API-Key: " + TestService.ADMIN_KEY
                        + "\r\n\r\n");
                InputStream in = socket.getInputStream();
                assertThat(in.readNBytes(1024)).hasSize(1024); // the answer has begun
                socket.setSoLinger(true, 0); // close with a reset, as a killed client does
            }
        }

        await().atMost(Duration.ofSeconds(20))
                .untilAsserted(() -> assertThat(count("GET", "/users/stream", 499) - before).isEqualTo(50));
        assertNoServerErrors();
    }

    @Test
    void eventStreamClosedByItsClientIsCountedAsThe200ItBeganWith() throws IOException {
        String uri = "/admin/dashboard/stream";
        double before = count("GET", uri, 200);
        double abortedBefore = count("GET", uri, 499);

        for (int i = 0; i < 4; i++) {
            try (Socket socket = connect()) {
                send(socket, "GET " + uri + " HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\nX-API-Key: "
                        + TestService.ADMIN_KEY + "\r\n\r\n");
                String head = new String(socket.getInputStream().readNBytes(200), StandardCharsets.US_ASCII);
                assertThat(head).startsWith("HTTP/1.1 200").contains("text/event-stream");
                if (i % 2 == 0) {
                    socket.setSoLinger(true, 0); // half of them reset, half close politely, as a closed tab does
                }
            }
        }

        // each look at /metrics is a request, which the stream's next reading sends: a write to the closed socket
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> assertThat(count("GET", uri, 200) - before).isEqualTo(4));
        assertThat(count("GET", uri, 499)).as("closing is a stream's normal end").isEqualTo(abortedBefore);
        assertNoServerErrors();
    }

    @Test
    void halfABodyThenCloseIsCountedAs499AndLoggedWithoutStack() throws IOException {
        double before = count("POST", "/users", 499);

        for (int i = 0; i < 20; i++) {
            try (Socket socket = connect()) {
                send(socket, "POST /users HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                        + "Content-Length: 200\r\nX-API-Key: " + TestService.ADMIN_KEY + "\r\n\r\n{\"email\":\"half");
                if (i % 2 == 0) {
                    socket.setSoLinger(true, 0); // half of them reset, half close politely
                }
            }
        }

        await().atMost(Duration.ofSeconds(20))
                .untilAsserted(() -> assertThat(count("POST", "/users", 499) - before).isEqualTo(20));
        assertNoServerErrors();
    }

    @Test
    void stalledBodyIsCutOffAfterTheIdleTimeoutAndCountedAs408() throws IOException {
        assertStalledRequestIsCutOff("/users", "POST /users HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                + "Content-Length: 200\r\nX-API-Key: " + TestService.ADMIN_KEY + "\r\n\r\n{\"email\":\"stall");
    }

    @Test
    void stalledUploadIsCutOffAfterTheIdleTimeoutAndCountedAs408() throws IOException {
        assertStalledRequestIsCutOff("/process-video", "POST /process-video HTTP/1.1\r\nHost: x\r\n"
                + "Content-Type: multipart/form-data; boundary=b0undary\r\nContent-Length: 100000\r\n"
                + "X-API-Key: " + TestService.ADMIN_KEY + "\r\n\r\n--b0undary\r\n"
                + "Content-Disposition: form-data; name=\"video\"; filename=\"a.mp4\"\r\n\r\nfirst bytes");
    }

    /**
     * Sends {@code head} (the headers and part of the body of a POST to {@code uri}), then nothing: the edge closes
     * the connection without an answer after its body idle timeout and counts a 408.
     */
    private void assertStalledRequestIsCutOff(String uri, String head) throws IOException {
        double before = count("POST", uri, 408);
        long started = System.nanoTime();
        String answer;

        try (Socket socket = connect()) {
            socket.setSoTimeout((int) ClientDisconnects.BODY_IDLE_TIMEOUT.plusSeconds(10).toMillis());
            send(socket, head);
            answer = readAll(socket.getInputStream());
        }
        Duration took = Duration.ofNanos(System.nanoTime() - started);

        assertThat(answer).as("the connection is closed without an answer").isEmpty();
        assertThat(took).isGreaterThanOrEqualTo(ClientDisconnects.BODY_IDLE_TIMEOUT.minusMillis(100))
                .isLessThan(ClientDisconnects.BODY_IDLE_TIMEOUT.plusSeconds(2));
        await().atMost(Duration.ofSeconds(5))
                .untilAsserted(() -> assertThat(count("POST", uri, 408) - before).isEqualTo(1));
        assertNoServerErrors();
    }

    private void assertNoServerErrors() {
        assertThat(service.get("/metrics", TestService.ADMIN_KEY).text()).doesNotContain("status=\"500\"");
        assertThat(events.list).allSatisfy(event -> assertThat(event.getLevel().isGreaterOrEqual(Level.WARN))
                .as("%s %s", event.getLevel(), event.getFormattedMessage()).isFalse());
        assertThat(events.list).allSatisfy(event -> assertThat(event.getThrowableProxy()).isNull());
    }

    private double count(String method, String uri, int status) {
        String metrics = service.get("/metrics", TestService.ADMIN_KEY).text();
        Matcher line = Pattern.compile("http_server_requests_seconds_count\\{([^}]*)\\} (\\S+)").matcher(metrics);
        double total = 0;
        while (line.find()) {
            String tags = line.group(1);
            if (tags.contains("method=\"" + method + "\"") && tags.contains("uri=\"" + uri + "\"")
                    && tags.contains("status=\"" + status + "\"")) {
                total += Double.parseDouble(line.group(2));
            }
        }
        return total;
    }

    private Socket connect() throws IOException {
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", service.service.port()), 5_000);
        socket.setSoTimeout(10_000);
        return socket;
    }

    private static void send(Socket socket, String text) throws IOException {
        OutputStream out = socket.getOutputStream();
        out.write(text.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private static String readAll(InputStream in) throws IOException {
        try {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (SocketTimeoutException | java.net.SocketException e) {
            return "";
        }
    }
}
