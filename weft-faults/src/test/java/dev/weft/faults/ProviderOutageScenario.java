package dev.weft.faults;

import dev.weft.core.testing.FaultProxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The provider unreachable for 20 s with jobs in flight (a {@link FaultProxy} {@linkplain FaultProxy#down() down} between the
 * service's {@code PROVIDER_URL} and the provider; more jobs submitted during the outage), then back. The service
 * runs 16 workers on SQLite and the provider's jobs take 3 s, so every job fits in one round of the workers: the
 * figure measures how soon the service notices the provider is back, not its capacity.
 *
 * <p>Promise (issue 17): every job completes &le; 15 s after the provider returns (the figure: from the proxy's
 * switch back to {@code PASS} to the read that first saw the last job {@code completed}, reads every 250 ms); no job
 * fails, no provider job is created twice, legal transitions only, usage once per completed video.
 */
class ProviderOutageScenario {
    private static final Duration OUTAGE = Duration.ofSeconds(20);
    private static final Duration PROMISE = Duration.ofSeconds(15);

    @Test
    @Tag("full")
    void providerUnreachableForTwentySeconds() throws Exception {
        String scenario = "provider unreachable 20 s, then back";
        Path work = ScenarioLogs.fresh("ProviderOutageScenario");
        try (ProviderProcess provider = ProviderProcess.start(work, "--job-time", "3s");
                FaultProxy proxy = FaultProxy.to(provider.port());
                ServiceProcess service = ServiceProcess.start("a", work, Map.of(
                        "PROVIDER_URL", "http://127.0.0.1:" + proxy.port(), "WEFT_WORKERS", "16"))) {
            History history = new History();
            VideoJobsClient client = new VideoJobsClient(new Http(Duration.ofSeconds(10)), history);
            String url = service.url("");
            VideoJobsClient.User first = client.createUser(url, "outage_a_" + System.nanoTime() % 100_000);
            VideoJobsClient.User second = client.createUser(url, "outage_b_" + System.nanoTime() % 100_000);
            for (int i = 0; i < 16; i++) {
                client.submit(url, i % 2 == 0 ? first : second, "before", "outage-" + i + ".mp4",
                        ("frames " + i).getBytes(StandardCharsets.UTF_8), null);
            }
            long waitUntil = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            do {
                client.poll(url, "watcher");
                Thread.sleep(100);
            } while (client.count("processing") < 4 && System.nanoTime() < waitUntil);
            long inFlight = client.videos().size() - client.count("completed");

            proxy.down();
            long cut = System.nanoTime();
            boolean more = false;
            while (System.nanoTime() - cut < OUTAGE.toNanos()) {
                client.poll(url, "watcher");
                if (!more && System.nanoTime() - cut > OUTAGE.toNanos() / 2) {
                    for (int i = 16; i < 24; i++) {
                        client.submit(url, i % 2 == 0 ? first : second, "during", "outage-" + i + ".mp4",
                                ("frames " + i).getBytes(StandardCharsets.UTF_8), null);
                    }
                    more = true;
                }
                Thread.sleep(250);
            }
            proxy.up();
            long back = System.nanoTime();
            long pending = client.videos().size() - client.count("completed");
            boolean allFinal = client.awaitFinal(url, back + Duration.ofSeconds(150).toNanos(), Duration.ofMillis(250));
            long worstMillis = client.videos().stream().mapToLong(video -> client.finalAt(video.videoId())
                    .map(at -> Math.max(0, at - back) / 1_000_000).orElse(Long.MAX_VALUE)).max().orElse(0);
            long completed = client.count("completed");
            VideoJobsClient.ProviderStats stats = client.providerStats(provider.url(""));

            Report.record(scenario, "all jobs complete <= " + PROMISE.toSeconds() + " s after the provider returns",
                    (worstMillis == Long.MAX_VALUE ? "not all final after 150 s" : "last job done " + worstMillis
                            + " ms after") + "; " + completed + " of " + client.videos().size() + " completed ("
                            + inFlight + " in flight at the cut, " + pending + " pending at the return)",
                    worstMillis <= PROMISE.toMillis() && completed == client.videos().size());
            ProviderFaultsScenario.commonChecks(scenario, client, stats, allFinal, service);
            SoftAssertions soft = new SoftAssertions();
            soft.assertThat(worstMillis).as("ms from the return to the last completion")
                    .isLessThanOrEqualTo(PROMISE.toMillis());
            soft.assertThat(completed).as("completed: %s", client.statusCounts()).isEqualTo(client.videos().size());
            ProviderFaultsScenario.commonAsserts(soft, client, stats, allFinal, service);
            soft.assertAll();
        }
    }
}
