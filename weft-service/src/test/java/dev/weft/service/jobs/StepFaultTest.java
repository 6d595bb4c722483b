package dev.weft.service.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchRuntimeException;

import dev.weft.http.ApiClient;
import dev.weft.http.ApiConfig;
import dev.weft.http.BreakerConfig;
import dev.weft.service.provider.HttpFaults;
import dev.weft.service.provider.HttpProvider;
import dev.weft.service.provider.ProviderServer;
import dev.weft.service.provider.ProviderServerConfig;
import dev.weft.service.provider.Providers;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * How each provider fault, produced for real by weft-http against the standalone provider, counts for a job:
 * flow control (wait, no attempt spent) or a real fault, and what the user sees. Raw weft-http failures pass
 * {@link HttpFaults}, as they do inside the HTTP provider.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class StepFaultTest {
    private static ApiClient client(String url) {
        return ApiClient.create(ApiConfig.builder(url).name("provider").maxRetries(0).build());
    }

    @Test
    void anOpenBreakerIsWaitedOutUntilItHalfOpensWithoutSpendingAnAttempt() {
        try (ProviderServer server = ProviderServer.start(ProviderServerConfig.defaults().withFaults(1.0, 0));
                ApiClient api = client(server.url())) {
            RuntimeException failure = null;
            for (int i = 0; i < BreakerConfig.DEFAULT_THRESHOLD + 1; i++) {
                failure = catchRuntimeException(() -> api.get("/process/x").send());
            }

            StepFault fault = StepFault.of(HttpFaults.translate(failure));

            assertThat(fault.kind()).isEqualTo(StepFault.Kind.FLOW_CONTROL);
            assertThat(fault.code()).isEqualTo("provider_recovering");
            assertThat(fault.delay()).isBetween(Duration.ofSeconds(4), BreakerConfig.DEFAULT_OPEN_TIME);
        }
    }

    @Test
    void aServerErrorWithoutRetryAfterIsARealFault() {
        try (ProviderServer server = ProviderServer.start(ProviderServerConfig.defaults().withFaults(1.0, 0));
                ApiClient api = client(server.url())) {
            StepFault fault = StepFault.of(HttpFaults.translate(catchRuntimeException(() -> api.get("/process/x")
                    .send())));

            assertThat(fault.kind()).isEqualTo(StepFault.Kind.RETRYABLE);
            assertThat(fault.userText()).isEqualTo("provider_error: the video provider answered with an error");
        }
    }

    @Test
    void aTooManyRequestsAnswerIsFlowControlForItsRetryAfter() {
        try (ProviderServer server = ProviderServer.start(ProviderServerConfig.defaults().withRateLimit(1));
                ApiClient api = client(server.url())) {
            RuntimeException failure = null;
            for (int i = 0; i < 3 && failure == null; i++) {
                failure = catchRuntimeException(() -> api.get("/process/x").send().status());
                if (!(failure instanceof dev.weft.core.WeftException refused && "rate_limited".equals(refused.code()))) {
                    failure = null; // the permitted call answered 404 (unknown job), whose text may hold "429" too
                }
            }

            StepFault fault = StepFault.of(HttpFaults.translate(failure));

            assertThat(fault.kind()).isEqualTo(StepFault.Kind.FLOW_CONTROL);
            assertThat(fault.delay()).isEqualTo(Duration.ofSeconds(1));
        }
    }

    @Test
    void aProviderThatRefusesConnectionsIsWaitedForNotCountedAgainstTheJob() throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        try (ApiClient api = client("http://127.0.0.1:" + port)) {
            StepFault fault = StepFault.of(HttpFaults.translate(catchRuntimeException(() -> api.get("/process/x")
                    .send())));

            assertThat(fault.kind()).isEqualTo(StepFault.Kind.FLOW_CONTROL);
            assertThat(fault.code()).isEqualTo("provider_unreachable");
            assertThat(fault.userText()).doesNotContain(Integer.toString(port)).doesNotContain("127.0.0.1");
        }
    }

    @Test
    void anUnreadableAnswerIsARealFaultWithASanitisedMessage() {
        try (ProviderServer server = ProviderServer.start(ProviderServerConfig.defaults().withHostileRate(1.0));
                HttpProvider provider = Providers.http(ApiConfig.builder(server.url()).name("provider").maxRetries(0)
                        .build(), null, new SimpleMeterRegistry())) {
            for (int i = 0; i < 8; i++) {
                RuntimeException failure = catchRuntimeException(() -> provider.status("pj-1"));

                StepFault fault = StepFault.of(HttpFaults.translate(failure));

                assertThat(fault.kind()).isEqualTo(StepFault.Kind.RETRYABLE);
                assertThat(fault.userText()).isEqualTo(
                        "provider_bad_answer: the video provider sent an answer that could not be read");
                assertThat(failure.getMessage()).as("the log keeps the detail").isNotBlank();
            }
        }
    }

    @Test
    void flowControlWaitsWhatWasAskedPlusBoundedJitterAndRealFaultsBackOff() {
        JobsConfig config = JobsConfig.defaults();
        StepFault open = new StepFault(StepFault.Kind.FLOW_CONTROL, "provider_recovering", "m", Duration.ofSeconds(4));
        StepFault error = new StepFault(StepFault.Kind.RETRYABLE, "provider_error", "m", null);
        StepFault longWait = new StepFault(StepFault.Kind.FLOW_CONTROL, "provider_busy", "m", Duration.ofHours(1));
        Random random = new Random(7);

        for (int i = 0; i < 100; i++) {
            assertThat(StepRunner.wait(config, 0, open, random)).isBetween(Duration.ofSeconds(4),
                    Duration.ofSeconds(5));
        }
        assertThat(StepRunner.wait(config, 3, error, random)).isBetween(Duration.ZERO,
                config.retryPolicy().backoff().bound(3));
        assertThat(StepRunner.wait(config, 0, longWait, random)).isEqualTo(config.maxRetryDelay());
    }
}
