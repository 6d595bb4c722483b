package dev.weft.faults;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A rate limit shared by freshly started instances: three instances with {@code WEFT_RATE_LIMIT=N} and one Redis of
 * the scenario's own, and one key sending a burst of 3N requests at the start of each second, spread over the
 * instances, from the very first request each instance serves.
 *
 * <p>Promises: at most 1.1 x N admitted per second across the instances, from the first second (a token bucket of
 * capacity N refilled at N/s admits N per burst, plus what refills while the burst is answered). With Redis down
 * at start, each instance limits on its own at N per second (not unlimited) and says so in {@code /metrics}
 * ({@code weft_ratelimit_fallback}) and {@code /health} (check {@code rate_limiter} down).
 */
class SharedRateLimitScenario {
    private static final int N = 20;
    private static final double TOLERANCE = 1.1;

    @TempDir
    Path work;

    @Test
    @Tag("smoke")
    void freshInstancesShareOneLimitFromTheFirstSecond() throws Exception {
        try (OwnRedis redis = OwnRedis.start(work)) {
            List<ServiceProcess> services = startInstances(redis.url());
            try {
                String scenario = "shared rate limit, 3 fresh instances, one Redis (N=" + N + ", 3N req/s)";
                List<Integer> admitted = new ArrayList<>();
                for (int second = 0; second < 3; second++) {
                    admitted.add(burst(services, 3 * N, second).stream().mapToInt(Integer::intValue).sum());
                }
                int worst = admitted.stream().mapToInt(Integer::intValue).max().orElseThrow();
                Report.record(scenario, "admits <= 1.1 x N per second across instances from the first second",
                        "admitted per second " + admitted + " of " + 3 * N + " sent", worst <= TOLERANCE * N);
                SoftAssertions soft = new SoftAssertions();
                soft.assertThat(worst).as("admitted per second " + admitted).isLessThanOrEqualTo((int) (TOLERANCE * N));
                soft.assertThat(admitted).as("something is admitted each second").allMatch(count -> count > 0);
                soft.assertAll();
            } finally {
                services.forEach(ServiceProcess::close);
            }
        }
    }

    @Test
    @Tag("full")
    void withRedisDownAtStartEachInstanceLimitsOnItsOwn() throws Exception {
        String nobody = "redis://127.0.0.1:" + ServiceProcess.freePort(); // nothing listens there
        List<ServiceProcess> services = startInstances(nobody);
        try {
            String scenario = "rate limit with Redis down at start, 3 instances (N=" + N + ", 3N req/s each)";
            List<List<Integer>> perSecond = new ArrayList<>();
            for (int second = 0; second < 3; second++) {
                perSecond.add(burst(services, 3 * N * services.size(), second));
            }
            int worst = perSecond.stream().flatMap(List::stream).mapToInt(Integer::intValue).max().orElseThrow();
            int least = perSecond.stream().flatMap(List::stream).mapToInt(Integer::intValue).min().orElseThrow();
            TimeUnit.MILLISECONDS.sleep(1_100); // a full bucket for the scrapes below
            Http http = new Http(Duration.ofSeconds(5));
            List<String> fallback = new ArrayList<>();
            List<String> health = new ArrayList<>();
            for (ServiceProcess service : services) {
                String metrics = http.get(service.url("/metrics"), Http.admin()).body();
                fallback.add(metrics.lines().filter(line -> line.startsWith("weft_ratelimit_fallback"))
                        .findFirst().orElse("(no weft_ratelimit_fallback)"));
                Http.Answer answer = http.get(service.url("/health"), Http.admin());
                health.add(answer.json().path("checks").path("rate_limiter").path("status").asText("(no check)"));
            }
            boolean visible = fallback.stream().allMatch(SharedRateLimitScenario::fallingBack)
                    && health.stream().allMatch("down"::equals);
            Report.record(scenario, "each instance admits <= 1.1 x N per second on its own (not unlimited)",
                    "admitted per second per instance " + perSecond + " of " + 3 * N + " sent to each",
                    worst <= TOLERANCE * N && least > 0);
            Report.record(scenario, "the fallback shows in /metrics and /health",
                    "metrics " + fallback + "; health " + health, visible);
            SoftAssertions soft = new SoftAssertions();
            soft.assertThat(worst).as("admitted per second per instance " + perSecond)
                    .isLessThanOrEqualTo((int) (TOLERANCE * N));
            soft.assertThat(least).as("admitted per second per instance " + perSecond).isPositive();
            soft.assertThat(fallback).as("weft_ratelimit_fallback per instance")
                    .allMatch(SharedRateLimitScenario::fallingBack);
            soft.assertThat(health).as("/health's rate_limiter check per instance").allMatch("down"::equals);
            soft.assertAll();
        } finally {
            services.forEach(ServiceProcess::close);
        }
    }

    private static boolean fallingBack(String metricLine) {
        return metricLine.matches("weft_ratelimit_fallback(\\{.*})? 1(\\.0)?");
    }

    /** Starts three instances at once (each on its own SQLite: the limit is what they share). */
    private List<ServiceProcess> startInstances(String redisUrl) throws Exception {
        Map<String, String> env = Map.of("REDIS_URL", redisUrl, "WEFT_RATE_LIMIT", Integer.toString(N),
                "WEFT_WORKERS", "0");
        List<ServiceProcess> services = new ArrayList<>();
        try (ExecutorService starts = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<ServiceProcess>> started = new ArrayList<>();
            for (String name : List.of("a", "b", "c")) {
                started.add(starts.submit(() -> ServiceProcess.start(name, work, env)));
            }
            for (Future<ServiceProcess> future : started) {
                services.add(future.get(90, TimeUnit.SECONDS));
            }
        }
        return services;
    }

    private final java.util.concurrent.atomic.AtomicLong firstBurst = new java.util.concurrent.atomic.AtomicLong();

    /**
     * Sends {@code count} requests at once with the admin key, spread over the instances in turn, at the start of
     * the {@code second}-th second after the first burst.
     *
     * @return how many each instance admitted (anything but 429)
     */
    private List<Integer> burst(List<ServiceProcess> services, int count, int second) throws Exception {
        if (second == 0) {
            firstBurst.set(System.nanoTime());
        } else {
            long wait = firstBurst.get() + second * 1_000_000_000L - System.nanoTime();
            if (wait > 0) {
                TimeUnit.NANOSECONDS.sleep(wait);
            }
        }
        Http http = new Http(Duration.ofSeconds(10));
        List<AtomicInteger> admitted = services.stream().map(s -> new AtomicInteger()).toList();
        AtomicInteger failed = new AtomicInteger();
        try (ExecutorService senders = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < count; i++) {
                int instance = i % services.size();
                senders.execute(() -> {
                    try {
                        if (http.get(services.get(instance).url("/users?limit=1"), Http.admin()).status() != 429) {
                            admitted.get(instance).incrementAndGet();
                        }
                    } catch (IOException e) {
                        failed.incrementAndGet();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
            }
        }
        if (failed.get() > 0) {
            throw new IllegalStateException(failed.get() + " requests of a burst got no answer");
        }
        return admitted.stream().map(AtomicInteger::get).toList();
    }
}
