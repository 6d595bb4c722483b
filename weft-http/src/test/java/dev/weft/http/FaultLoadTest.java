package dev.weft.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.http.testing.Behavior;
import dev.weft.http.testing.FaultServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * 10,000 GETs against 30% injected faults (503s and connection resets, seeded): the retry budget decides whether
 * retries can absorb them, and the server's own request count checks that retries never exceed the budget.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class FaultLoadTest {
    private static final int CALLS = 10_000;
    private static final int CONCURRENCY = 32;
    private static final long SEED = 20261123L;

    private record Outcome(int succeeded, List<RuntimeException> failures, Duration elapsed) {
    }

    private static Outcome run(ApiClient api) throws Exception {
        Semaphore inFlight = new Semaphore(CONCURRENCY);
        List<Future<RuntimeException>> results = new ArrayList<>(CALLS);
        long start = System.nanoTime();
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < CALLS; i++) {
                inFlight.acquire();
                results.add(threads.submit(() -> {
                    try {
                        api.get("/items").send();
                        return null;
                    } catch (RuntimeException e) {
                        return e;
                    } finally {
                        inFlight.release();
                    }
                }));
            }
        }
        List<RuntimeException> failures = new ArrayList<>();
        for (Future<RuntimeException> result : results) {
            if (result.get() != null) {
                failures.add(result.get());
            }
        }
        return new Outcome(CALLS - failures.size(), failures, Duration.ofNanos(System.nanoTime() - start));
    }

    private static FaultServer faultyServer() {
        FaultServer server = FaultServer.start();
        server.route("GET", "/items", Behavior.faults(SEED, 0.3, Behavior.json(200, "{\"ok\":true}"),
                Behavior.status(503), Behavior.reset()));
        return server;
    }

    private static ApiConfigBuilder config(FaultServer server) {
        return ApiConfig.builder(server.baseUri().toString()).name("faults").retryDelay(Duration.ofMillis(1))
                .maxRetryDelay(Duration.ofMillis(20)).rateLimitEnabled(false).breakerEnabled(false)
                .maxConnectionsPerHost(CONCURRENCY).maxConcurrentPerHost(CONCURRENCY);
    }

    @Test
    void absorbsThirtyPercentFaultsWithASixtyPercentBudget() throws Exception {
        try (FaultServer server = faultyServer();
                ApiClient api = ApiClient.create(config(server).retryBudget(0.6).maxRetries(6).build())) {

            Outcome outcome = run(api);

            assertThat(outcome.succeeded() / (double) CALLS).as("seed %d, failures %s", SEED,
                    outcome.failures().stream().limit(3).toList()).isGreaterThanOrEqualTo(0.999);
        }
    }

    @Test
    void neverSendsMoreRetriesThanTheDefaultBudget() throws Exception {
        try (FaultServer server = faultyServer();
                ApiClient api = ApiClient.create(config(server).maxRetries(6).build())) {

            Outcome outcome = run(api);

            long retriesSent = server.requests() - CALLS;
            long windows = outcome.elapsed().toSeconds() / RetryBudget.WINDOW_SECONDS + 1;
            long allowed = (long) (0.2 * CALLS) + windows * RetryBudget.WINDOW_SECONDS * RetryConfig.DEFAULT_FLOOR_PER_SECOND;
            assertThat(retriesSent).as("seed %d", SEED).isPositive().isLessThanOrEqualTo(allowed);
            assertThat(outcome.failures()).as("faults outrun a 20%% budget").isNotEmpty();
            assertThat(outcome.failures()).filteredOn(RetryBudgetExhaustedException.class::isInstance)
                    .isNotEmpty()
                    .allSatisfy(e -> {
                        assertThat(((ApiException) e).code()).isEqualTo("retry_budget_exhausted");
                        assertThat(e.getCause()).isInstanceOf(ApiException.class);
                    });
            assertThat(api.metrics().retriesRefused()).isPositive();
        }
    }
}
