package dev.weft.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.weft.http.testing.Behavior;
import dev.weft.http.testing.FaultServer;
import java.time.Duration;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A call its caller gives up on (an interrupted thread, a client closed under it) is not the host's failure. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CallerCancellationTest {
    private FaultServer server;

    @BeforeEach
    void start() {
        server = FaultServer.start();
        server.route("GET", "/slow", Behavior.delay(Duration.ofSeconds(20), Behavior.json(200, "{}")));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private ApiConfigBuilder config() {
        return ApiConfig.builder(server.baseUri().toString()).name("cancel").totalTimeout(Duration.ofSeconds(40))
                .responseTimeout(Duration.ofSeconds(40));
    }

    @Test
    void anInterruptedCallIsNotRetriedAndDoesNotOpenTheBreaker() throws Exception {
        try (ApiClient api = ApiClient.create(config().breakerThreshold(4).build())) {
            for (int i = 1; i <= 6; i++) {
                AtomicReference<RuntimeException> failure = new AtomicReference<>();
                AtomicBoolean flagKept = new AtomicBoolean();
                Thread caller = Thread.ofVirtual().start(() -> {
                    try {
                        api.get("/slow").send();
                    } catch (RuntimeException e) {
                        failure.set(e);
                        flagKept.set(Thread.currentThread().isInterrupted());
                    }
                });
                long received = i;
                await().atMost(Duration.ofSeconds(10)).until(() -> server.requests() >= received);
                caller.interrupt();
                caller.join(Duration.ofSeconds(10));

                assertThat(failure.get()).isInstanceOf(ApiConnectException.class);
                assertThat(((ApiException) failure.get()).code()).isEqualTo("interrupted");
                assertThat(flagKept).isTrue();
            }

            // Before, each interrupt was a "connection_reset" failure of the host, retried once, and the fourth
            // opened the breaker of a host that had done nothing wrong.
            assertThat(server.requests()).isEqualTo(6);
            BreakerStatus breaker = api.breakers().get(api.config().baseAuthority());
            assertThat(breaker.state()).isEqualTo(BreakerState.CLOSED);
            assertThat(breaker.bufferedCalls()).isZero();
            assertThat(api.poolStatus().get(api.config().baseAuthority()).leased()).isZero();
        }
    }

    @Test
    void aCallInFlightWhenTheClientClosesFailsAsClientClosed() throws Exception {
        ApiClient api = ApiClient.create(config().build());
        CompletableFuture<Throwable> outcome = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try {
                api.get("/slow").send();
                outcome.complete(null);
            } catch (Throwable e) {
                outcome.complete(e);
            }
        });
        await().atMost(Duration.ofSeconds(10)).until(() -> server.requests() == 1);

        api.close();

        // Before, the closed pool broke the attempt, it was retried after a backoff, and the retry failed with
        // the JDK's RejectedExecutionException from the stopped deadline timer.
        Throwable failure = outcome.get(30, TimeUnit.SECONDS);
        assertThat(failure).isInstanceOf(ApiConnectException.class);
        assertThat(((ApiException) failure).code()).isEqualTo("client_closed");
        assertThat(((ApiException) failure).retryable()).isFalse();
        assertThat(server.requests()).isEqualTo(1);
    }

    @Test
    void cancellingAnAsyncCallStopsItsRequest() throws Exception {
        try (ApiClient api = ApiClient.create(config().build())) {
            String host = api.config().baseAuthority();
            CompletableFuture<ApiResponse> cancelled = api.async().send(api.get("/slow"));
            CompletableFuture<ApiResponse> timedOut = api.async().send(api.get("/slow"))
                    .orTimeout(1, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(10)).until(() -> server.requests() == 2);

            cancelled.cancel(true);

            // Before, both calls went on for the call's 40 s deadline, each holding a connection and a bulkhead
            // permit, though nobody would ever read the answer.
            await().atMost(Duration.ofSeconds(10)).until(() -> timedOut.isDone()
                    && api.poolStatus().get(host).leased() == 0);
            assertThat(server.requests()).isEqualTo(2);
            assertThat(api.breakers().get(host).bufferedCalls()).isZero();
        }
    }

    @Test
    void aBatchCutShortByCloseReportsEveryItemAsAnApiException() throws Exception {
        ApiClient api = ApiClient.create(config().build());
        CompletableFuture<List<BatchResult<ApiResponse>>> batch = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> batch.complete(api.batch(List.of(api.get("/slow"),
                api.get("/slow"), api.get("/slow")), 1)));
        await().atMost(Duration.ofSeconds(10)).until(() -> server.requests() == 1);

        api.close();

        // Before, the items still waiting for their turn came back as IllegalStateException("batch item failed")
        // around an InterruptedException. An item whose turn came just after the close may say so itself.
        List<BatchResult<ApiResponse>> results = batch.get(30, TimeUnit.SECONDS);
        assertThat(results).hasSize(3).allSatisfy(result -> assertThat(result.error()).satisfiesAnyOf(
                error -> assertThat(error).isInstanceOf(ApiConnectException.class),
                error -> assertThat(error).isInstanceOf(IllegalStateException.class).hasMessageEndingWith("is closed")
                        .hasNoCause()));
        assertThat(server.requests()).isEqualTo(1);
    }

    @Test
    void aStreamOpenWhenTheClientClosesFailsAsClientClosed() {
        server.route("GET", "/feed", Behavior.chunked("application/x-ndjson",
                Collections.nCopies(100, "{}\n"), Duration.ofMillis(200)));
        ApiClient api = ApiClient.create(config().build());
        try (ApiStream stream = api.get("/feed").stream(); Stream<String> lines = stream.lines()) {
            Iterator<String> iterator = lines.iterator();
            assertThat(iterator.next()).isEqualTo("{}");

            api.close();

            // Before: a retryable ApiConnectException "connection broke: SocketException", as if the host had failed.
            assertThatThrownBy(() -> iterator.forEachRemaining(line -> { }))
                    .isInstanceOfSatisfying(ApiConnectException.class, e -> {
                        assertThat(e.code()).isEqualTo("client_closed");
                        assertThat(e.retryable()).isFalse();
                    });
        }
    }
}
