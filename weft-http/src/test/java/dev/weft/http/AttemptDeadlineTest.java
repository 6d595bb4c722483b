package dev.weft.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.weft.http.testing.Behavior;
import dev.weft.http.testing.FaultServer;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A call's deadline bounds the whole attempt, not each read: a server that trickles its head (or, for
 * {@code send()}, its body) keeps every single read within the read timeout, and used to hold the attempt as long
 * as it liked (a user's receiver sent one header line a second for 100 s against a 10 s total timeout).
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class AttemptDeadlineTest {
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(2);
    /** The deadline plus room for a loaded machine; the servers below would hold a call 30 s. */
    private static final Duration MARGIN = Duration.ofSeconds(3);

    private FaultServer server;
    private ApiClient api;

    @BeforeEach
    void start() {
        server = FaultServer.start();
        api = ApiClient.create(ApiConfig.builder(server.baseUri().toString()).name("deadline")
                .maxRetries(0).build());
    }

    @AfterEach
    void stop() {
        api.close();
        server.close();
    }

    @Test
    void aTimeoutMeantAsNoLimitIsOne() {
        // Duration.toNanos() overflowed and the call failed with an ArithmeticException before anything was sent.
        server.route("GET", "/ok", Behavior.json(200, "{}"));
        Duration forever = Duration.ofDays(365_000);

        assertThat(api.get("/ok").timeout(forever).send().status()).isEqualTo(200);
        try (ApiClient unbounded = ApiClient.create(ApiConfig.builder(server.baseUri().toString()).name("forever")
                .totalTimeout(forever).build())) {
            assertThat(unbounded.get("/ok").send().status()).isEqualTo(200);
        }
    }

    @Test
    void sendFailsAtTheDeadlineWhileTheHeadTrickles() {
        server.route("GET", "/slow-head", Behavior.trickledHead(60, Duration.ofMillis(500), "{}"));

        assertDeadlineExceeded(() -> api.get("/slow-head").timeout(CALL_TIMEOUT).send());
        assertNoConnectionKept();
    }

    @Test
    void streamFailsAtTheDeadlineWhileTheHeadTrickles() {
        server.route("GET", "/slow-head", Behavior.trickledHead(60, Duration.ofMillis(500), "{}"));

        assertDeadlineExceeded(() -> api.get("/slow-head").timeout(CALL_TIMEOUT).stream().close());
        assertNoConnectionKept();
    }

    @Test
    void theConfiguredTotalTimeoutBoundsATrickledHeadToo() {
        try (ApiClient bounded = ApiClient.create(ApiConfig.builder(server.baseUri().toString()).name("total")
                .totalTimeout(CALL_TIMEOUT).maxRetries(0).build())) {
            server.route("GET", "/slow-head", Behavior.trickledHead(60, Duration.ofMillis(500), "{}"));

            assertDeadlineExceeded(() -> bounded.get("/slow-head").send());
        }
    }

    @Test
    void sendFailsAtTheDeadlineWhileTheBodyTrickles() {
        server.route("GET", "/slow-body", Behavior.trickle(new byte[60], 1, Duration.ofMillis(500)));

        assertDeadlineExceeded(() -> api.get("/slow-body").timeout(CALL_TIMEOUT).send());
        assertNoConnectionKept();
    }

    @Test
    void sendFailsAtTheDeadlineWhileABodyReadIsBlocked() {
        // Each byte comes within the read timeout, but the read waiting at the deadline would wait on to 3.6 s.
        server.route("GET", "/stalled-body", Behavior.trickle(new byte[20], 1, Duration.ofMillis(1800)));

        assertDeadlineExceeded(() -> api.get("/stalled-body").timeout(CALL_TIMEOUT).send());
    }

    @Test
    void streamReadsItsBodyPastTheDeadlineUntilTheReadTimeout() throws Exception {
        try (ApiClient streaming = ApiClient.create(ApiConfig.builder(server.baseUri().toString()).name("stream")
                .responseTimeout(Duration.ofSeconds(1)).maxRetries(0).build())) {
            server.route("GET", "/feed", dripsThenStalls(8, Duration.ofMillis(500)));

            long start = System.nanoTime();
            try (ApiStream stream = streaming.get("/feed").timeout(CALL_TIMEOUT).stream()) {
                InputStream body = stream.body();
                byte[] dripped = body.readNBytes(8);
                Duration readFor = Duration.ofNanos(System.nanoTime() - start);

                assertThat(stream.status()).isEqualTo(200);
                assertThat(dripped).hasSize(8);
                assertThat(readFor).as("the body was read past the call's deadline").isGreaterThan(CALL_TIMEOUT);
                assertThatThrownBy(body::read).isInstanceOfSatisfying(ApiTimeoutException.class,
                        timeout -> assertThat(timeout.code()).isEqualTo("read_timeout"));
            }
        }
    }

    @Test
    void failsAtTheDeadlineWhileTheConnectHangs() throws Exception {
        InetAddress loopback = InetAddress.getByName("127.0.0.1");
        try (ServerSocket listener = new ServerSocket(0, 1, loopback);
                ApiClient hanging = ApiClient.create(ApiConfig.builder("http://127.0.0.1:" + listener.getLocalPort())
                        .name("connect").connectTimeout(Duration.ofSeconds(20)).maxRetries(0).build())) {
            List<Socket> queued = fillAcceptQueue(listener);
            try {
                assertDeadlineExceeded(() -> hanging.get("/never").timeout(CALL_TIMEOUT).send());
            } finally {
                for (Socket socket : queued) {
                    socket.close();
                }
            }
        }
    }

    @Test
    void anAttemptGetsOnlyTheTimeLeftAfterWaitingForTheBulkhead() throws Exception {
        try (ApiClient single = ApiClient.create(ApiConfig.builder(server.baseUri().toString()).name("single")
                .maxConcurrentPerHost(1).maxRetries(0).build())) {
            server.route("GET", "/slow-head", Behavior.trickledHead(60, Duration.ofMillis(500), "{}"));
            Thread holder = Thread.ofVirtual().start(() -> {
                try {
                    single.get("/slow-head").timeout(Duration.ofSeconds(2)).send();
                } catch (ApiException expected) {
                    // holds the host's one permit for its 2 s, then times out
                }
            });
            await().atMost(Duration.ofSeconds(5)).until(() -> server.requests() == 1);

            // Waits ~2 s for the permit, then has ~1 s left, not another 3 s (which would end at ~5 s)
            assertDeadlineExceeded(() -> single.get("/slow-head").timeout(Duration.ofSeconds(3)).send(),
                    Duration.ofMillis(4500));
            holder.join();
        }
    }

    @Test
    void fastCallsStillShareOneConnection() throws Exception {
        server.route("GET", "/fast", Behavior.json(200, "{\"ok\":true}"));

        for (int i = 0; i < 3; i++) {
            assertThat(api.get("/fast").timeout(CALL_TIMEOUT).send().status()).isEqualTo(200);
        }
        try (ApiStream stream = api.get("/fast").timeout(CALL_TIMEOUT).stream()) {
            assertThat(stream.body().readAllBytes()).isNotEmpty();
        }
        assertThat(api.get("/fast").timeout(CALL_TIMEOUT).send().status()).isEqualTo(200);

        assertThat(server.connections()).isEqualTo(1);
    }

    private static void assertDeadlineExceeded(ThrowingCallable call) {
        assertDeadlineExceeded(call, MARGIN);
    }

    private static void assertDeadlineExceeded(ThrowingCallable call, Duration within) {
        long start = System.nanoTime();

        assertThatThrownBy(call).isInstanceOfSatisfying(ApiTimeoutException.class,
                timeout -> assertThat(timeout.code()).isEqualTo("deadline_exceeded"));

        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(within);
    }

    /**
     * The aborted connection was closed, not leased on or put back in the pool. The timer's thread hands the lease
     * back just after it closed the connection, so the caller may see it still leased for a moment.
     */
    private void assertNoConnectionKept() {
        await().atMost(Duration.ofSeconds(2)).untilAsserted(() -> {
            HostPoolStatus pool = api.poolStatus().get(api.config().baseAuthority());
            assertThat(pool.leased()).isZero();
            assertThat(pool.available()).isZero();
        });
    }

    /** A 200 whose body sends {@code bytes} bytes, one per {@code interval}, then nothing for 20 s. */
    private static Behavior dripsThenStalls(int bytes, Duration interval) {
        return exchange -> {
            OutputStream body = exchange.respondStreaming(200, Map.of("Content-Type", "application/octet-stream"),
                    bytes + 1);
            for (int i = 0; i < bytes; i++) {
                body.write('x');
                body.flush();
                pause(interval);
            }
            pause(Duration.ofSeconds(20));
            body.write('x');
            body.close();
        };
    }

    private static void pause(Duration duration) throws InterruptedIOException {
        try {
            Thread.sleep(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("the test server was stopped");
        }
    }

    /**
     * Connects to a listener that never accepts until its accept queue is full: Linux then drops further SYNs, so
     * the next connect hangs until its own timeout (loopback answers every other connect at once).
     */
    private static List<Socket> fillAcceptQueue(ServerSocket listener) throws Exception {
        List<Socket> queued = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            Socket socket = new Socket();
            try {
                socket.connect(listener.getLocalSocketAddress(), 300);
                queued.add(socket);
            } catch (SocketTimeoutException full) {
                socket.close();
                return queued;
            }
        }
        for (Socket socket : queued) {
            socket.close();
        }
        throw new AssertionError("the accept queue never filled: connects to it do not hang on this machine");
    }
}
