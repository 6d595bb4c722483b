package dev.weft.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.http.testing.Behavior;
import dev.weft.http.testing.FaultServer;
import java.io.OutputStream;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class StreamingTest {
    private FaultServer server;
    private ApiClient api;

    @BeforeEach
    void start() {
        server = FaultServer.start();
        api = ApiClient.create(ApiConfig.builder(server.baseUri().toString()).name("stream").build());
    }

    @AfterEach
    void stop() {
        api.close();
        server.close();
    }

    @Test
    void deliversEachLineAsItArrives() {
        List<String> chunks = IntStream.range(0, 5).mapToObj(i -> "{\"n\":" + i + "}\n").toList();
        server.route("GET", "/feed", Behavior.chunked("application/x-ndjson", chunks, Duration.ofMillis(300)));

        long start = System.nanoTime();
        try (ApiStream stream = api.get("/feed").stream(); Stream<String> lines = stream.lines()) {
            Iterator<String> iterator = lines.iterator();
            String first = iterator.next();
            Duration firstAfter = Duration.ofNanos(System.nanoTime() - start);
            int rest = 0;
            while (iterator.hasNext()) {
                iterator.next();
                rest++;
            }

            assertThat(first).isEqualTo("{\"n\":0}");
            assertThat(rest).isEqualTo(4);
            assertThat(firstAfter).as("first line before the stream ends").isLessThan(Duration.ofMillis(1000));
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(1000));
        }
        assertThat(api.poolStatus().get(api.config().baseAuthority()).leased()).isZero();
    }

    @Test
    void parsesServerSentEvents() {
        server.route("GET", "/events", Behavior.chunked("text/event-stream", List.of(
                ": hello\n\n", "id: 1\nevent: progress\ndata: 10\n\n", "data: line one\ndata: line two\n\n"),
                Duration.ofMillis(10)));

        try (ApiStream stream = api.get("/events").stream(); Stream<ServerSentEvent> events = stream.events()) {
            List<ServerSentEvent> all = events.toList();

            assertThat(all).containsExactly(new ServerSentEvent("1", "progress", "10"),
                    new ServerSentEvent(null, "message", "line one\nline two"));
        }
    }

    @Test
    void dropsAnEventTheBodyEndsInside() {
        // The server stops mid-event: before, the cut-off event was delivered as if complete (data `{"amount": 10`).
        server.route("GET", "/events", Behavior.chunked("text/event-stream", List.of(
                "data: one\n\n", "data: {\"amount\": 10"), Duration.ofMillis(10)));

        try (ApiStream stream = api.get("/events").stream(); Stream<ServerSentEvent> events = stream.events()) {
            assertThat(events.toList()).containsExactly(new ServerSentEvent(null, "message", "one"));
        }
    }

    @Test
    void dropsAnUnreadBodyInsteadOfDrainingIt() throws Exception {
        server.route("GET", "/slow", Behavior.trickle(new byte[100_000], 100, Duration.ofMillis(100)));

        long start = System.nanoTime();
        try (ApiStream stream = api.get("/slow").stream()) {
            assertThat(stream.body().read()).isGreaterThanOrEqualTo(0);
        }

        assertThat(Duration.ofNanos(System.nanoTime() - start)).as("draining would take 100 s")
                .isLessThan(Duration.ofSeconds(5));
        assertThat(api.poolStatus().get(api.config().baseAuthority()).leased()).isZero();
    }

    @Test
    void reportsABodyThatBreaksOffAsAWeftFailure() {
        server.route("GET", "/broken", breaksOffAfter(1000));

        try (ApiStream stream = api.get("/broken").stream()) {
            assertThatThrownBy(() -> stream.body().readAllBytes())
                    .isInstanceOfSatisfying(ApiConnectException.class, broken -> {
                        assertThat(broken.code()).isEqualTo("body_incomplete");
                        assertThat(broken.getCause()).isNotNull();
                    });
        }
    }

    @Test
    void reportsALineStreamThatBreaksOffAsAWeftFailure() {
        server.route("GET", "/broken", breaksOffAfter(1000));

        try (ApiStream stream = api.get("/broken").stream(); Stream<String> lines = stream.lines()) {
            assertThatThrownBy(lines::count).isInstanceOf(ApiConnectException.class);
        }
    }

    /** Sends the head and {@code bytes} of a 1 MB body, then closes the connection (cleanly, no reset). */
    private static Behavior breaksOffAfter(int bytes) {
        return exchange -> {
            OutputStream body = exchange.respondStreaming(200, Map.of("Content-Type", "text/plain"), 1_000_000);
            body.write(new byte[bytes]);
            body.flush();
            throw new IllegalStateException("the body breaks off here (expected by the test)");
        };
    }
}
