package dev.weft.service.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.weft.http.ApiConfig;
import dev.weft.service.provider.HttpProvider;
import dev.weft.service.provider.ProviderServer;
import dev.weft.service.provider.ProviderServerConfig;
import dev.weft.service.provider.Providers;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The standalone provider failing 30% of its calls (15% 503, 15% connection closed unanswered, seeded) and two
 * engines (two instances) sharing one queue: every job still completes, and each job was started once at the
 * provider (one job created per process idempotency key).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class JobsUnderProviderFaultsTest {
    private static final long SEED = 20261123L;

    @ParameterizedTest
    @EnumSource(value = JobDatabase.Target.class, names = {"SQLITE", "POSTGRESQL"})
    void everyJobCompletesOnceDespiteThirtyPercentFaults(JobDatabase.Target target) {
        JobsConfig config = JobsConfig.defaults().withWorkers(4).withLease(Duration.ofSeconds(5))
                .withPolling(Duration.ofMillis(50), Duration.ofMillis(100))
                .withRetries(30, Duration.ofMillis(20), Duration.ofMillis(200));
        ApiConfig client = ApiConfig.builder("http://127.0.0.1:1").name("provider").maxRetries(3)
                .retryDelay(Duration.ofMillis(10)).maxRetryDelay(Duration.ofMillis(100))
                .breakerOpenTime(Duration.ofMillis(200)).build();
        ProviderServerConfig faults = ProviderServerConfig.defaults().withFaults(0.15, 0.15).withSeed(SEED)
                .withJobTime(Duration.ofMillis(200));
        try (ProviderServer server = ProviderServer.start(faults);
                JobDatabase jobs = JobDatabase.open(target);
                HttpProvider providerA = Providers.http(client.toBuilder().baseUrl(server.url()).build(), null,
                        new SimpleMeterRegistry());
                HttpProvider providerB = Providers.http(client.toBuilder().baseUrl(server.url()).build(), null,
                        new SimpleMeterRegistry());
                JobEngine a = JobEngine.create(jobs.db, jobs.videos, jobs.usage, providerA, config, Clock.systemUTC(),
                        new SimpleMeterRegistry(), (v, u) -> { });
                JobEngine b = JobEngine.create(jobs.db, jobs.videos, jobs.usage, providerB, config, Clock.systemUTC(),
                        new SimpleMeterRegistry(), (v, u) -> { })) {
            a.start();
            b.start();
            long user = jobs.user();
            List<String> videos = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                videos.add(jobs.submit(i % 2 == 0 ? a : b, user, "{}"));
            }

            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200)).until(() -> videos.stream()
                    .allMatch(id -> jobs.video(id).status().equals("completed")));

            @SuppressWarnings("unchecked")
            Map<String, Long> created = (Map<String, Long>) server.stats().get("jobs_created");
            @SuppressWarnings("unchecked")
            Map<String, Long> injected = (Map<String, Long>) server.stats().get("faults");
            assertThat(injected.get("unavailable")).as("seed %d", SEED).isPositive();
            assertThat(injected.get("reset")).as("seed %d", SEED).isPositive();
            for (String id : videos) {
                JobRow job = jobs.job(id);
                assertThat(created.get(job.jobId() + ":process")).as("seed %d, job %s", SEED, job.jobId())
                        .isEqualTo(1L);
                assertThat(jobs.usageRows(id)).isEqualTo(1);
            }
        }
    }
}
