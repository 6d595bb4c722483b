package dev.weft.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.http.testing.Behavior;
import dev.weft.http.testing.FaultServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class CircuitBreakerTest {
    /** A clock the test moves by hand, so the open time passes without sleeping. */
    static final class ManualClock extends Clock {
        private final AtomicLong millis = new AtomicLong(Instant.parse("2026-11-23T10:00:00Z").toEpochMilli());

        void advance(Duration duration) {
            millis.addAndGet(duration.toMillis());
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(millis.get());
        }
    }

    private final ManualClock clock = new ManualClock();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private FaultServer server;
    private ApiClient api;

    @BeforeEach
    void start() {
        server = FaultServer.start();
        api = ApiClient.builder(ApiConfig.builder(server.baseUri().toString()).name("breaker").maxRetries(0)
                .breakerThreshold(5).breakerOpenTime(Duration.ofSeconds(30)).build())
                .clock(clock, System::nanoTime).meterRegistry(registry).build();
    }

    @AfterEach
    void stop() {
        api.close();
        server.close();
    }

    private void failFiveTimes() {
        server.route("GET", "/x", Behavior.status(500));
        for (int i = 0; i < 5; i++) {
            assertThatThrownBy(() -> api.get("/x").send()).isInstanceOf(UpstreamException.class);
        }
    }

    @Test
    void opensAfterTheThresholdAndFailsFastWithoutSending() {
        failFiveTimes();

        assertThatThrownBy(() -> api.get("/x").send()).isInstanceOfSatisfying(CircuitOpenException.class, e -> {
            assertThat(e.httpStatus()).isEqualTo(503);
            assertThat(e.retryAfter()).isPresent();
        });
        assertThat(server.requests()).isEqualTo(5);
        assertThat(api.circuitBreaker(api.config().baseAuthority()).state()).isEqualTo(BreakerState.OPEN);
        assertThat(api.breakers().get(api.config().baseAuthority()).notPermittedCalls()).isEqualTo(1);
    }

    @Test
    void aBreakerThatIgnoresStatusesStaysClosedOnAnswersAndOpensOnResets() {
        try (ApiClient tolerant = ApiClient.builder(ApiConfig.builder(server.baseUri().toString()).name("tolerant")
                .maxRetries(0).breakerThreshold(5).breakerCountsStatuses(false).build())
                .clock(clock, System::nanoTime).meterRegistry(registry).build()) {
            String host = tolerant.config().baseAuthority();
            server.route("GET", "/x", Behavior.status(500));
            for (int i = 0; i < 10; i++) {
                assertThatThrownBy(() -> tolerant.get("/x").send()).isInstanceOf(UpstreamException.class);
            }
            assertThat(tolerant.circuitBreaker(host).state()).isEqualTo(BreakerState.CLOSED);

            server.route("GET", "/x", Behavior.reset());
            for (int i = 0; i < 10; i++) {
                assertThatThrownBy(() -> tolerant.get("/x").send()).isNotInstanceOf(UpstreamException.class);
            }
            assertThat(tolerant.circuitBreaker(host).state()).isEqualTo(BreakerState.OPEN);
        }
    }

    @Test
    void theStateGaugeShowsOneForTheBreakersStateAndZeroForTheOthers() {
        String host = api.config().baseAuthority();
        server.route("GET", "/x", Behavior.status(500));
        assertThatThrownBy(() -> api.get("/x").send()).isInstanceOf(UpstreamException.class);

        assertThat(breakerGauge(host, "closed")).isEqualTo(1.0); // one failure: under the minimum number of calls
        assertThat(breakerGauge(host, "open")).isZero();

        for (int i = 0; i < 4; i++) {
            assertThatThrownBy(() -> api.get("/x").send()).isInstanceOf(UpstreamException.class);
        }

        assertThat(breakerGauge(host, "open")).isEqualTo(1.0);
        assertThat(breakerGauge(host, "closed")).isZero();
        assertThat(breakerGauge(host, "half_open")).isZero();
        assertThat(breakerGauge(host, "disabled")).isZero();
    }

    private double breakerGauge(String host, String state) {
        return registry.get("weft.http.breaker.state").tag("client.name", "breaker").tag("host", host)
                .tag("state", state).gauge().value();
    }

    @Test
    void probesAfterTheOpenTimeAndClosesOnSuccess() {
        failFiveTimes();
        server.route("GET", "/x", Behavior.json(200, "{}"));

        clock.advance(Duration.ofSeconds(31));
        for (int i = 0; i < 3; i++) {
            assertThat(api.get("/x").send().status()).isEqualTo(200);
        }

        assertThat(api.circuitBreaker(api.config().baseAuthority()).state()).isEqualTo(BreakerState.CLOSED);
        assertThat(api.metrics().breakerTransitions()).isEqualTo(3);
    }

    @Test
    void reopensWhenAProbeFails() {
        failFiveTimes();

        clock.advance(Duration.ofSeconds(31));
        for (int i = 0; i < 3; i++) {
            assertThatThrownBy(() -> api.get("/x").send()).isInstanceOf(UpstreamException.class);
        }

        assertThat(api.circuitBreaker(api.config().baseAuthority()).state()).isEqualTo(BreakerState.OPEN);
    }

    @Test
    void tellsARefusedCallerHowLongUntilTheBreakerHalfOpens() {
        failFiveTimes();
        clock.advance(Duration.ofSeconds(12));

        assertThatThrownBy(() -> api.get("/x").send()).isInstanceOfSatisfying(CircuitOpenException.class,
                e -> assertThat(e.retryAfter()).contains(Duration.ofSeconds(18)));
        assertThat(api.circuitBreaker(api.config().baseAuthority()).permittedIn()).isEqualTo(Duration.ofSeconds(18));

        clock.advance(Duration.ofSeconds(18));
        assertThat(api.circuitBreaker(api.config().baseAuthority()).permittedIn()).isZero();
    }

    @Test
    void staysClosedUntilTheWindowHoldsTheMinimumNumberOfCalls() {
        server.route("GET", "/x", Behavior.status(500));
        for (int i = 0; i < 4; i++) {
            assertThatThrownBy(() -> api.get("/x").send()).isInstanceOf(UpstreamException.class);
        }
        clock.advance(Duration.ofSeconds(11));

        assertThatThrownBy(() -> api.get("/x").send()).isInstanceOf(UpstreamException.class);

        // the first four failures slid out of the 10 s window: one failure in it, under the minimum of five
        assertThat(api.circuitBreaker(api.config().baseAuthority()).state()).isEqualTo(BreakerState.CLOSED);
    }

    @Test
    void resetClosesTheBreaker() {
        failFiveTimes();
        server.route("GET", "/x", Behavior.json(200, "{}"));

        api.resetCircuitBreakers();

        assertThat(api.get("/x").send().status()).isEqualTo(200);
        assertThat(api.circuitBreaker(api.config().baseAuthority()).state()).isEqualTo(BreakerState.CLOSED);
    }

    @Test
    void countsClientErrorsAsAHealthyUpstream() {
        server.route("GET", "/missing", Behavior.status(404));
        for (int i = 0; i < 10; i++) {
            assertThatThrownBy(() -> api.get("/missing").send()).isInstanceOf(UpstreamException.class);
        }

        assertThat(api.circuitBreaker(api.config().baseAuthority()).state()).isEqualTo(BreakerState.CLOSED);
    }
}
