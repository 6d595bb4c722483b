package dev.weft.service.provider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ProviderServerTest {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private static HttpResponse<String> send(String url, String method) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5))
                .header("Content-Type", "application/json").header("Idempotency-Key", "k-1")
                .method(method, HttpRequest.BodyPublishers.ofString("{\"url\":\"x\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void anOutageRefusesConnectionsThenListensAgainOnTheSamePort() throws Exception {
        try (ProviderServer server = ProviderServer.start(ProviderServerConfig.defaults())) {
            int port = server.port();

            assertThat(send(server.url() + "/admin/outage?seconds=5", "POST").statusCode()).isEqualTo(202);

            // the outage starts on a thread of its own after the 202 and ends 5 s after the stop: a probe must land
            // inside it, which a 2 s outage probed for 2 s left a loaded machine little room for
            await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(50))
                    .until(() -> refused(server.url() + "/health"));
            await().atMost(Duration.ofSeconds(15)).ignoreExceptions()
                    .until(() -> send(server.url() + "/health", "GET").statusCode() == 200);
            assertThat(server.port()).isEqualTo(port);
            assertThat(server.stats()).containsEntry("outages", 1L);
        }
    }

    @Test
    void refusesAnOutageThatIsNotANumberOfSeconds() throws Exception {
        try (ProviderServer server = ProviderServer.start(ProviderServerConfig.defaults())) {
            assertThat(send(server.url() + "/admin/outage?seconds=soon", "POST").statusCode()).isEqualTo(400);
            assertThat(send(server.url() + "/admin/outage?seconds=-1", "POST").statusCode()).isEqualTo(400);
        }
    }

    @Test
    void hostileAnswersAreTwoHundredsThatBreakTheContractAndChangeNothing() throws Exception {
        try (ProviderServer server = ProviderServer.start(ProviderServerConfig.defaults().withHostileRate(1.0))) {
            for (int i = 0; i < 8; i++) {
                HttpResponse<String> response = send(server.url() + "/process", "POST");

                assertThat(response.statusCode()).isEqualTo(200);
                assertThat(response.body()).doesNotContain("\"job_id\":\"pj-");
            }
            assertThat(server.stats()).containsEntry("jobs", 0);
        }
    }

    @Test
    void refusesAHostileRateThatLeavesNoRoomForAnswers() {
        assertThatThrownBy(() -> ProviderServerConfig.defaults().withFaults(0.5, 0.2).withHostileRate(0.5))
                .hasMessageContaining("hostile-rate");
    }

    private static boolean refused(String url) throws InterruptedException {
        try {
            send(url, "GET");
            return false;
        } catch (ConnectException e) {
            return true;
        } catch (IOException e) {
            return e.getCause() instanceof ConnectException;
        }
    }
}
