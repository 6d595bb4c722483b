package dev.weft.faults;

import java.io.IOException;
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

/**
 * A rate limit shared by freshly started instances: three instances (two in the smoke variant) with {@code WEFT_RATE_LIMIT=N} and one Redis of
 * the scenario's own, and one key sending a burst of 3N requests at the start of each second, spread over the
 * instances, from the very first request each instance serves.
 *
 * <p>Promises: at most 1.1 x N admitted per second across the instances, from the first second: at most 1.1 x N
 * answered as admitted within a second of the first request, and at most 1.1 x N for each second the run touched
 * (a measure that holds for any limiter's own windowing, fixed windows or a bucket). With Redis down
 * at start, each instance limits on its own at N per second (not unlimited) and says so in {@code /metrics}
 * ({@code weft_ratelimit_fallback}) and {@code /health} (check {@code rate_limiter} down).
 */
class SharedRateLimitScenario extends TempDirScenario {
    private static final int N = 20;
    private static final double TOLERANCE = 1.1;
    private static final int SECONDS = 3;

    @Test
    @Tag("smoke")
    void twoFreshInstancesShareOneLimitFromTheFirstSecond() throws Exception {
        sharedLimit(2, 2);
    }

    @Test
    @Tag("full")
    void threeFreshInstancesShareOneLimitFromTheFirstSecond() throws Exception {
        sharedLimit(3, SECONDS);
    }

    private void sharedLimit(int instances, int seconds) throws Exception {
        try (OwnRedis redis = OwnRedis.start(work)) {
            List<ServiceProcess> services = startInstances(redis.url(), instances);
            try {
                String scenario = "shared rate limit, " + instances + " fresh instances, one Redis (N=" + N
                        + ", 3N req/s)";
                List<Sample> samples = bursts(services, 3 * N, seconds);
                Verdict verdict = Verdict.of(samples, sample -> true);
                Report.record(scenario, "admits <= 1.1 x N per second across instances from the first second",
                        verdict.toString(), verdict.kept());
                SoftAssertions soft = new SoftAssertions();
                soft.assertThat(verdict.firstSecond()).as("admitted in the first second: " + verdict)
                        .isLessThanOrEqualTo((int) (TOLERANCE * N));
                soft.assertThat(verdict.admitted()).as("admitted in all: " + verdict)
                        .isLessThanOrEqualTo((int) (TOLERANCE * N * verdict.windows()));
                soft.assertThat(verdict.admitted()).as("something is admitted: " + verdict).isPositive();
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
        List<ServiceProcess> services = startInstances(nobody, 3);
        try {
            String scenario = "rate limit with Redis down at start, 3 instances (N=" + N + ", 3N req/s each)";
            List<Sample> samples = bursts(services, 3 * N * services.size(), SECONDS);
            List<Verdict> verdicts = new ArrayList<>();
            for (ServiceProcess service : services) {
                verdicts.add(Verdict.of(samples, sample -> sample.instance() == services.indexOf(service)));
            }
            boolean limited = verdicts.stream().allMatch(v -> v.kept() && v.admitted() > 0);
            TimeUnit.MILLISECONDS.sleep(1_100); // a full bucket for the scrapes below
            Http http = new Http(Duration.ofSeconds(5));
            List<String> fallback = new ArrayList<>();
            List<String> health = new ArrayList<>();
            for (ServiceProcess service : services) {
                String metrics = http.get(service.url("/metrics"), Http.admin()).body();
                fallback.add(metrics.lines().filter(line -> line.startsWith("weft_ratelimit_fallback"))
                        .findFirst().orElse("(no weft_ratelimit_fallback)"));
                Http.Answer answer = http.get(service.url("/health"), Http.admin());
                String status = "(no check)"; // MicroProfile Health: checks is a list of {name, status, data}
                for (var check : answer.json().path("checks")) {
                    if (check.path("name").asText().equals("rate_limiter")) {
                        status = check.path("status").asText();
                    }
                }
                health.add(status);
            }
            boolean visible = fallback.stream().allMatch(SharedRateLimitScenario::fallingBack)
                    && health.stream().allMatch("DOWN"::equals);
            Report.record(scenario, "each instance admits <= 1.1 x N per second on its own (not unlimited)",
                    "per instance: " + verdicts, limited);
            Report.record(scenario, "the fallback shows in /metrics and /health",
                    "metrics " + fallback + "; health " + health, visible);
            SoftAssertions soft = new SoftAssertions();
            soft.assertThat(limited).as("each instance limits on its own at N: " + verdicts).isTrue();
            soft.assertThat(fallback).as("weft_ratelimit_fallback per instance")
                    .allMatch(SharedRateLimitScenario::fallingBack);
            soft.assertThat(health).as("/health's rate_limiter check per instance").allMatch("DOWN"::equals);
            soft.assertAll();
        } finally {
            services.forEach(ServiceProcess::close);
        }
    }

    private static boolean fallingBack(String metricLine) {
        return metricLine.matches("weft_ratelimit_fallback(\\{.*})? 1(\\.0)?");
    }

    /**
     * Starts instances, two at a time (each on its own SQLite: the limit is what they share); three JVMs starting at
     * once on two loaded cores missed the harness's 60 s start bound.
     */
    private List<ServiceProcess> startInstances(String redisUrl, int count) throws Exception {
        Map<String, String> env = Map.of("REDIS_URL", redisUrl, "WEFT_RATE_LIMIT", Integer.toString(N),
                "WEFT_WORKERS", "0");
        List<ServiceProcess> services = new ArrayList<>();
        List<String> names = List.of("a", "b", "c").subList(0, count);
        for (int from = 0; from < count; from += 2) {
            try (ExecutorService starts = Executors.newVirtualThreadPerTaskExecutor()) {
                List<Future<ServiceProcess>> started = new ArrayList<>();
                for (String name : names.subList(from, Math.min(count, from + 2))) {
                    started.add(starts.submit(() -> ServiceProcess.start(name, work, env)));
                }
                Exception failure = null;
                for (Future<ServiceProcess> future : started) {
                    try {
                        services.add(future.get(90, TimeUnit.SECONDS));
                    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                        failure = e;
                    }
                }
                if (failure != null) {
                    services.forEach(ServiceProcess::close); // none left running for the next scenario
                    throw failure;
                }
            }
        }
        return services;
    }

    /**
     * One request: which instance, when it was sent and answered (nanoTime), whether it was admitted (not 429).
     */
    record Sample(int instance, long sent, long answered, boolean admitted) {
    }

    /**
     * What the bursts show. The limiter's windows are its own, so the check is what any one-second windowing of the
     * run must keep: at most 1.1 x N answered as admitted within the first second after the first request was sent,
     * and at most 1.1 x N for each second the run touched ({@code windows}) in all.
     *
     * @param admitted admitted in all
     * @param firstSecond admitted and answered within a second of the first request
     * @param windows whole seconds from the first request sent to the last answer, rounded up
     * @param perBurst admitted in each burst
     * @param burstMillis how long each burst took from its first request to its last answer
     */
    record Verdict(int admitted, int firstSecond, long windows, List<Integer> perBurst, List<Long> burstMillis) {
        static Verdict of(List<Sample> samples, java.util.function.Predicate<Sample> which) {
            long start = samples.stream().mapToLong(Sample::sent).min().orElseThrow();
            long end = samples.stream().mapToLong(Sample::answered).max().orElseThrow();
            List<Sample> mine = samples.stream().filter(which).toList();
            int admitted = (int) mine.stream().filter(Sample::admitted).count();
            int first = (int) mine.stream().filter(s -> s.admitted() && s.answered() - start < 1_000_000_000L)
                    .count();
            long windows = Math.max(1, (end - start + 999_999_999L) / 1_000_000_000L);
            List<Integer> perBurst = new ArrayList<>();
            List<Long> millis = new ArrayList<>();
            for (int burst = 0; ; burst++) {
                long from = start + burst * 1_000_000_000L;
                List<Sample> in = samples.stream().filter(s -> s.sent() >= from && s.sent() < from + 1_000_000_000L)
                        .toList();
                if (in.isEmpty()) {
                    break;
                }
                perBurst.add((int) in.stream().filter(which).filter(Sample::admitted).count());
                millis.add((in.stream().mapToLong(Sample::answered).max().orElseThrow() - from) / 1_000_000);
            }
            return new Verdict(admitted, first, windows, perBurst, millis);
        }

        boolean kept() {
            return firstSecond <= TOLERANCE * N && admitted <= TOLERANCE * N * windows;
        }

        @Override
        public String toString() {
            return firstSecond + " admitted in the first second, " + admitted + " in " + windows + " s (bursts "
                    + perBurst + ", taking " + burstMillis + " ms)";
        }
    }

    /**
     * Sends {@code count} requests at once with the admin key, spread over the instances in turn, at the start of
     * each of {@code seconds} seconds.
     */
    private List<Sample> bursts(List<ServiceProcess> services, int count, int seconds) throws Exception {
        Http http = new Http(Duration.ofSeconds(10));
        java.util.Queue<Sample> samples = new java.util.concurrent.ConcurrentLinkedQueue<>();
        AtomicInteger failed = new AtomicInteger();
        long first = System.nanoTime();
        for (int second = 0; second < seconds; second++) {
            long wait = first + second * 1_000_000_000L - System.nanoTime();
            if (wait > 0) {
                TimeUnit.NANOSECONDS.sleep(wait);
            }
            try (ExecutorService senders = Executors.newVirtualThreadPerTaskExecutor()) {
                for (int i = 0; i < count; i++) {
                    int instance = i % services.size();
                    senders.execute(() -> {
                        long sent = System.nanoTime();
                        try {
                            int status = http.get(services.get(instance).url("/users?limit=1"), Http.admin())
                                    .status();
                            samples.add(new Sample(instance, sent, System.nanoTime(), status != 429));
                        } catch (IOException e) {
                            failed.incrementAndGet();
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    });
                }
            }
        }
        if (failed.get() > 0) {
            throw new IllegalStateException(failed.get() + " requests of the bursts got no answer");
        }
        return List.copyOf(samples);
    }
}
