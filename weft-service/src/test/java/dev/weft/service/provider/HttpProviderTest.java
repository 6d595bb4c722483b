package dev.weft.service.provider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.core.ratelimit.BucketStore;
import dev.weft.core.ratelimit.RateLimit;
import dev.weft.http.ApiConfig;
import dev.weft.http.RateLimitedException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HttpProviderTest {
    @TempDir
    Path dir;

    private static HttpProvider client(ProviderServer server, int maxRetries) {
        return Providers.http(ApiConfig.builder(server.url()).name("provider").maxRetries(maxRetries)
                .retryDelay(Duration.ofMillis(10)).maxRetryDelay(Duration.ofMillis(50)).build(), null,
                new SimpleMeterRegistry());
    }

    private Path file(String content) throws IOException {
        return Files.writeString(dir.resolve("clip.mp4"), content);
    }

    /** The service hands its Redis link's store in: the client limits through it and opens no connection. */
    @Test
    void fromConfigSharesTheRateLimitThroughTheStoreItIsGiven() throws IOException {
        java.util.List<String> keys = new java.util.concurrent.CopyOnWriteArrayList<>();
        BucketStore store = new BucketStore() {
            @Override
            public boolean ready() {
                return true;
            }

            @Override
            public long tryConsume(String key, RateLimit limit) {
                keys.add(key);
                return 0;
            }
        };
        try (ProviderServer server = ProviderServer.start(ProviderServerConfig.defaults());
                VideoProvider provider = Providers.fromConfig(server.url(), store,
                        Map.of("WEFT_HTTP_PROVIDER_RATE_LIMIT", "100"), new SimpleMeterRegistry(),
                        java.time.Clock.systemUTC())) {
            provider.upload(file("frames"), "job_s:upload");

            assertThat(provider).isInstanceOf(HttpProvider.class);
            assertThat(keys).isNotEmpty().allSatisfy(key -> assertThat(key).startsWith("provider:"));
        }
    }

    @Test
    void uploadsStartsAndPollsAJobToCompletion() throws IOException {
        try (ProviderServer server = ProviderServer.start(ProviderServerConfig.defaults()
                .withJobTime(Duration.ofMillis(100)));
                HttpProvider provider = client(server, 2)) {
            String url = provider.upload(file("frames"), "job_1:upload");
            String jobId = provider.startProcessing(url, "{\"model\":\"m-1\"}", "job_1:process");

            ProviderStatus running = provider.status(jobId);
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5))
                    .until(() -> provider.status(jobId).isFinal());
            ProviderStatus done = provider.status(jobId);

            assertThat(url).startsWith(server.url() + "/files/");
            assertThat(running.state()).isIn(ProviderStatus.State.PROCESSING, ProviderStatus.State.COMPLETED);
            assertThat(done.state()).isEqualTo(ProviderStatus.State.COMPLETED);
            assertThat(done.resultUrl()).endsWith(".mp4");
            assertThat(done.usage()).isNotNull();
            assertThat(done.usage().modelType()).isEqualTo("m-1");
            assertThat(done.usage().gpuPercent()).isBetween(0.0, 100.0);
            assertThat(server.processCalls("job_1:process")).isEqualTo(1);
        }
    }

    @Test
    void theSameIdempotencyKeyStartsOneJob() throws IOException {
        try (ProviderServer server = ProviderServer.start(ProviderServerConfig.defaults());
                HttpProvider provider = client(server, 0)) {
            String url = provider.upload(file("frames"), "k:upload");

            String first = provider.startProcessing(url, "{}", "k:process");
            String second = provider.startProcessing(url, "{}", "k:process");

            assertThat(second).isEqualTo(first);
            assertThat(provider.upload(file("frames"), "k:upload")).isEqualTo(url);
            @SuppressWarnings("unchecked")
            Map<String, Long> created = (Map<String, Long>) server.stats().get("jobs_created");
            assertThat(created).containsEntry("k:process", 1L);
            assertThat(server.processCalls("k:process")).isEqualTo(2);
        }
    }

    @Test
    void aFailedProviderJobIsReportedWithItsReason() throws IOException {
        try (ProviderServer server = ProviderServer.start(ProviderServerConfig.defaults().withJobTime(Duration.ZERO));
                HttpProvider provider = client(server, 0)) {
            String jobId = provider.startProcessing(provider.upload(file("x"), "f:upload"), "{\"simulate\":\"fail\"}",
                    "f:process");

            ProviderStatus status = provider.status(jobId);

            assertThat(status.state()).isEqualTo(ProviderStatus.State.FAILED);
            assertThat(status.error()).contains("simulated");
        }
    }

    @Test
    void overTheRateLimitTheServerAnswers429WithRetryAfter() throws Exception {
        try (ProviderServer server = ProviderServer.start(ProviderServerConfig.defaults().withRateLimit(2));
                HttpProvider provider = client(server, 0)) {
            HttpClient http = HttpClient.newHttpClient();
            HttpResponse<String> limited = null;
            for (int i = 0; i < 20 && limited == null; i++) {
                HttpResponse<String> response = http.send(HttpRequest.newBuilder(
                        URI.create(server.url() + "/process/unknown")).build(), HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 429) {
                    limited = response;
                }
            }
            ProviderException refused = null;
            for (int i = 0; i < 20 && refused == null; i++) {
                try {
                    provider.status("unknown");
                } catch (ProviderException e) { // weft-http's exception is the cause: the log keeps it
                    if (e.getCause() instanceof RateLimitedException) {
                        refused = e;
                    } else {
                        assertThat(e.getCause()).isInstanceOfSatisfying(dev.weft.http.UpstreamException.class,
                                notFound -> assertThat(notFound.status()).isEqualTo(404));
                    }
                }
            }

            assertThat(limited).isNotNull();
            assertThat(limited.headers().firstValue("Retry-After")).contains("1");
            assertThat(refused).isNotNull();
            assertThat(refused.retryAfter()).isPresent();
            assertThat(refused.fault()).isEqualTo(ProviderException.Fault.FLOW_CONTROL);
        }
    }

    @Test
    void injectedFaultsAreSeededAndCounted() throws Exception {
        ProviderServerConfig faulty = ProviderServerConfig.defaults().withFaults(0.5, 0.5).withSeed(7);
        try (ProviderServer server = ProviderServer.start(faulty)) {
            HttpClient http = HttpClient.newHttpClient();
            int unavailable = 0;
            int broken = 0;
            for (int i = 0; i < 20; i++) {
                try {
                    HttpResponse<String> response = http.send(HttpRequest.newBuilder(
                            URI.create(server.url() + "/process/none")).build(), HttpResponse.BodyHandlers.ofString());
                    assertThat(response.statusCode()).isEqualTo(503);
                    unavailable++;
                } catch (IOException e) {
                    broken++;
                }
            }

            assertThat(unavailable).isPositive();
            assertThat(broken).isPositive();
            @SuppressWarnings("unchecked")
            Map<String, Long> faults = (Map<String, Long>) server.stats().get("faults");
            assertThat(faults.get("unavailable")).isEqualTo(unavailable);
            // the JDK client retries a GET once when the connection closes, so the server may see more resets
            assertThat(faults.get("reset")).isGreaterThanOrEqualTo(broken);
        }
    }

    @Test
    void localProviderFinishesAfterItsProcessingTimeWithStableUsage() throws IOException {
        java.time.Instant start = java.time.Instant.parse("2026-01-01T00:00:00Z");
        MutableClock clock = new MutableClock(start);
        try (LocalProvider provider = LocalProvider.create(Duration.ofSeconds(3), clock)) {
            String jobId = provider.startProcessing(provider.upload(file("x"), "l:upload"), "{\"model\":\"abc\"}",
                    "l:process");

            ProviderStatus early = provider.status(jobId);
            clock.now = start.plusSeconds(3);
            ProviderStatus done = provider.status(jobId);

            assertThat(early.isFinal()).isFalse();
            assertThat(done.state()).isEqualTo(ProviderStatus.State.COMPLETED);
            assertThat(done.usage()).isEqualTo(provider.status(jobId).usage());
            assertThat(done.usage().modelType()).isEqualTo("abc");
            assertThat(provider.startProcessing("u", "{}", "l:process")).isEqualTo(jobId);
            assertThatThrownBy(() -> provider.status("nope")).isInstanceOf(ProviderException.class);
        }
    }

    /** A clock a test moves by hand. */
    private static final class MutableClock extends java.time.Clock {
        volatile java.time.Instant now;

        MutableClock(java.time.Instant now) {
            this.now = now;
        }

        @Override
        public java.time.ZoneId getZone() {
            return java.time.ZoneOffset.UTC;
        }

        @Override
        public java.time.Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public java.time.Instant instant() {
            return now;
        }
    }
}
