package dev.weft.service;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * 1,000 concurrent random transfers among 50 users through HTTP: the total is conserved, nothing deadlocks, nothing
 * answers 5xx, and every 200 moved exactly its amount. Seeded; the seed is printed on failure.
 */
abstract class ConcurrentTransfersContract {
    abstract TestBackends backend();

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void concurrentRandomTransfersConserveCredits() throws Exception {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        try (TestService service = new TestService(backend())) {
            List<Long> ids = new ArrayList<>();
            String prefix = TestService.unique("c");
            for (int i = 0; i < 50; i++) {
                ids.add(service.createUser(prefix + "u" + i, 1_000).path("id").asLong());
            }
            Map<Integer, AtomicInteger> statuses = new ConcurrentHashMap<>();
            List<Future<?>> calls = new ArrayList<>();
            try (ExecutorService clients = Executors.newFixedThreadPool(32)) {
                for (int i = 0; i < 1_000; i++) {
                    long from = ids.get(random.nextInt(ids.size()));
                    long to = ids.get(random.nextInt(ids.size()));
                    while (to == from) {
                        to = ids.get(random.nextInt(ids.size()));
                    }
                    long amount = 1 + random.nextInt(300);
                    String body = EndpointContract.transfer(from, to, amount);
                    calls.add(clients.submit(() -> {
                        TestService.Response response = service.admin("POST", "/transfer", body);
                        statuses.computeIfAbsent(response.status(), unused -> new AtomicInteger()).incrementAndGet();
                    }));
                }
                for (Future<?> call : calls) {
                    call.get(100, TimeUnit.SECONDS);
                }
            }
            long total = 0;
            for (long id : ids) {
                JsonNode user = service.admin("GET", "/users/" + id, null).json();
                assertThat(user.path("credits").asLong()).as("seed " + seed).isNotNegative();
                total += user.path("credits").asLong();
            }

            assertThat(total).as("seed %d, statuses %s", seed, statuses).isEqualTo(50L * 1_000);
            assertThat(statuses.keySet()).as("seed %d", seed).allMatch(status -> status == 200 || status == 409);
            assertThat(statuses.get(200).get()).as("seed %d", seed).isGreaterThan(500);
        }
    }
}
