package dev.weft.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.http.testing.Behavior;
import dev.weft.http.testing.FaultServer;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class RetryTest {
    private FaultServer server;
    private ApiClient api;

    @BeforeEach
    void start() {
        server = FaultServer.start();
        api = ApiClient.create(config(server.baseUri().toString()).build());
    }

    private static ApiConfigBuilder config(String url) {
        return ApiConfig.builder(url).name("retry").retryDelay(Duration.ofMillis(5))
                .maxRetryDelay(Duration.ofMillis(200)).breakerEnabled(false);
    }

    @AfterEach
    void stop() {
        api.close();
        server.close();
    }

    @Test
    void retriesAGetAfterA503() {
        server.route("GET", "/flaky", Behavior.sequence(Behavior.status(503), Behavior.json(200, "{\"ok\":true}")));

        ApiResponse response = api.get("/flaky").send();

        assertThat(response.status()).isEqualTo(200);
        assertThat(response.attempts()).isEqualTo(2);
        assertThat(server.requests()).isEqualTo(2);
        assertThat(api.metrics().retries()).isEqualTo(1);
    }

    @Test
    void aDeadlineThatEndsARetryKeepsWhyTheCallWasRetrying() {
        // Before, the caller saw only "no complete answer within 2000 ms": the 503 that caused the retry was lost.
        server.route("GET", "/flaky", Behavior.sequence(Behavior.status(503),
                Behavior.delay(Duration.ofSeconds(20), Behavior.json(200, "{}"))));

        assertThatThrownBy(() -> api.get("/flaky").timeout(Duration.ofSeconds(2)).send())
                .isInstanceOfSatisfying(ApiTimeoutException.class, timeout -> assertThat(timeout.getSuppressed())
                        .singleElement().isInstanceOfSatisfying(UpstreamException.class,
                                upstream -> assertThat(upstream.status()).isEqualTo(503)));
        assertThat(server.requests()).isEqualTo(2);
    }

    @Test
    void retriesAGetAfterAConnectionReset() {
        server.route("GET", "/reset", Behavior.sequence(Behavior.reset(), Behavior.json(200, "{}")));

        assertThat(api.get("/reset").send().attempts()).isEqualTo(2);
    }

    @Test
    void honoursRetryAfterOnA429() {
        server.route("GET", "/limited", Behavior.sequence(Behavior.retryAfter(429, 1), Behavior.json(200, "{}")));
        try (ApiClient patient = ApiClient.create(config(server.baseUri().toString())
                .maxRetryDelay(Duration.ofSeconds(2)).build())) {

            long start = System.nanoTime();
            ApiResponse response = patient.get("/limited").send();

            assertThat(response.status()).isEqualTo(200);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(990));
        }
    }

    @Test
    void failsAtOnceWhenRetryAfterIsLongerThanTheMaxRetryDelay() {
        server.route("GET", "/later", Behavior.retryAfter(429, 3600));

        assertThatThrownBy(() -> api.get("/later").send())
                .isInstanceOfSatisfying(RateLimitedException.class, limited -> {
                    assertThat(limited.fromUpstream()).isTrue();
                    assertThat(limited.retryAfter()).contains(Duration.ofSeconds(3600));
                    assertThat(limited.getMessage()).contains("3600 s");
                });
        assertThat(server.requests()).isEqualTo(1);
        assertThat(api.metrics().retries()).isZero();
    }

    @Test
    void doesNotRetryA503WhoseRetryAfterIsLongerThanTheMaxRetryDelay() {
        server.route("GET", "/down", Behavior.retryAfter(503, 3600));

        assertThatThrownBy(() -> api.get("/down").send())
                .isInstanceOfSatisfying(UpstreamException.class,
                        upstream -> assertThat(upstream.retryAfter()).contains(Duration.ofSeconds(3600)));
        assertThat(server.requests()).isEqualTo(1);
    }

    @Test
    void retriesThatTheServerAskedForWithRetryAfterDoNotDrawFromTheBudget() {
        try (ApiClient noBudget = ApiClient.create(config(server.baseUri().toString()).retryBudget(0)
                .retryFloorPerSecond(0).build())) {
            server.route("GET", "/polite", Behavior.sequence(Behavior.retryAfter(429, 0), Behavior.json(200, "{}")));
            server.route("GET", "/rude", Behavior.sequence(Behavior.status(503), Behavior.json(200, "{}")));

            assertThat(noBudget.get("/polite").send().attempts()).isEqualTo(2);
            assertThatThrownBy(() -> noBudget.get("/rude").send())
                    .isInstanceOf(RetryBudgetExhaustedException.class);
        }
    }

    @Test
    void anExhaustedBudgetTellsTheWaitOfTheFaultItDidNotRetry() {
        try (ApiClient noBudget = ApiClient.create(config(server.baseUri().toString()).retryBudget(0)
                .retryFloorPerSecond(0).build())) {
            server.route("GET", "/busy", Behavior.status(429));

            assertThatThrownBy(() -> noBudget.get("/busy").send())
                    .isInstanceOfSatisfying(RetryBudgetExhaustedException.class,
                            e -> assertThat(((dev.weft.core.WeftException) e).retryAfter())
                                    .contains(Duration.ofSeconds(1)));
        }
    }

    @Test
    void givesUpWithTheLastFaultAfterMaxRetries() {
        server.route("GET", "/down", Behavior.status(503));

        assertThatThrownBy(() -> api.get("/down").send()).isInstanceOfSatisfying(UpstreamException.class,
                e -> assertThat(e.status()).isEqualTo(503));
        assertThat(server.requests()).isEqualTo(4);
    }

    @Test
    void doesNotRetryA500() {
        server.route("GET", "/bug", Behavior.status(500));

        assertThatThrownBy(() -> api.get("/bug").send()).isInstanceOf(UpstreamException.class);
        assertThat(server.requests()).isEqualTo(1);
    }

    @Test
    void neverSendsAPostTwiceOnceTheServerHasIt() {
        server.route("POST", "/orders", Behavior.status(503));
        server.route("POST", "/reset", Behavior.reset());

        assertThatThrownBy(() -> api.post("/orders").json("{}").send()).isInstanceOf(UpstreamException.class);
        assertThatThrownBy(() -> api.post("/reset").json("{}").send()).isInstanceOf(ApiConnectException.class);

        assertThat(server.requests("POST", "/orders")).isEqualTo(1);
        assertThat(server.requests("POST", "/reset")).isEqualTo(1);
    }

    @Test
    void retriesAPostCarryingAnIdempotencyKeyWithTheSameKey() {
        server.route("POST", "/orders", Behavior.sequence(Behavior.status(503), Behavior.reset(),
                Behavior.json(201, "{}")));

        ApiResponse response = api.post("/orders").json("{}").idempotencyKey("order-42").send();

        assertThat(response.status()).isEqualTo(201);
        assertThat(server.requestsWithIdempotencyKey("order-42")).isEqualTo(3);
    }

    @Test
    void retriesAPostThatNeverReachedTheServer() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        try (ApiClient unreachable = ApiClient.create(config("http://127.0.0.1:" + closedPort).maxRetries(2)
                .build())) {

            assertThatThrownBy(() -> unreachable.post("/x").json("{}").send())
                    .isInstanceOf(ApiConnectException.class).hasMessageContaining("cannot connect");

            assertThat(unreachable.metrics().retries()).isEqualTo(2);
        }
    }

    @Test
    void givesUpAtOnceWhenRetryAfterOutlastsTheDeadline() {
        server.route("GET", "/down", Behavior.retryAfter(503, 2));
        try (ApiClient patient = ApiClient.create(config(server.baseUri().toString())
                .maxRetryDelay(Duration.ofSeconds(5)).build())) {

            long start = System.nanoTime();
            assertThatThrownBy(() -> patient.get("/down").timeout(Duration.ofSeconds(1)).send())
                    .isInstanceOfSatisfying(UpstreamException.class,
                            e -> assertThat(e.retryAfter()).contains(Duration.ofSeconds(2)));

            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(900));
            assertThat(server.requests()).isEqualTo(1);
        }
    }
}
