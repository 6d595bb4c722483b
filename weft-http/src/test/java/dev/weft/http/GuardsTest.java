package dev.weft.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.cache.redis.RedisConfig;
import dev.weft.core.ErrorKind;
import dev.weft.cache.redis.RedisLink;
import dev.weft.http.testing.Behavior;
import dev.weft.http.testing.FaultServer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Rate limit, bulkhead and batch against a real server. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class GuardsTest {
    private FaultServer server;

    @BeforeEach
    void start() {
        server = FaultServer.start();
        server.route("GET", "/ok/*", Behavior.json(200, "{\"ok\":true}"));
        server.route("GET", "/slow/*", Behavior.delay(Duration.ofMillis(200), Behavior.json(200, "{}")));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private ApiConfigBuilder config(String name) {
        return ApiConfig.builder(server.baseUri().toString()).name(name);
    }

    @Test
    void refusesCallsOverTheRateLimitWithTheWait() {
        try (ApiClient api = ApiClient.create(config("limited").rateLimit(5).rateLimitWait(Duration.ZERO).build())) {
            api.get("/ok/1").send();
            server.resetCounters();
            long start = System.nanoTime();
            RateLimitedException refused = null;
            for (int i = 0; i < 50 && refused == null; i++) {
                try {
                    api.get("/ok/1").send();
                } catch (RateLimitedException e) {
                    refused = e;
                }
            }
            double seconds = (System.nanoTime() - start) / 1e9;

            assertThat(refused).isNotNull();
            assertThat(refused.httpStatus()).isEqualTo(429);
            assertThat(refused.fromUpstream()).isFalse();
            assertThat(refused.retryAfter()).hasValueSatisfying(wait -> assertThat(wait).isPositive()
                    .isLessThanOrEqualTo(Duration.ofMillis(200)));
            assertThat(server.requests()).isLessThanOrEqualTo(4 + (long) Math.ceil(seconds * 5));
        }
    }

    @Test
    void waitsForAPermitWithinTheBound() {
        try (ApiClient api = ApiClient.create(config("patient").rateLimit(10).rateLimitWait(Duration.ofSeconds(2))
                .build())) {
            long start = System.nanoTime();
            for (int i = 0; i < 15; i++) {
                api.get("/ok/1").send();
            }

            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(400));
        }
    }

    @Test
    void anInterruptWhileWaitingForAPermitEndsTheCallAndKeepsTheFlag() throws InterruptedException {
        try (ApiClient api = ApiClient.create(config("interrupted").rateLimit(1).rateLimitWait(Duration.ofSeconds(5))
                .build())) {
            api.get("/ok/1").send();
            java.util.concurrent.atomic.AtomicReference<Throwable> failure = new java.util.concurrent.atomic.AtomicReference<>();
            java.util.concurrent.atomic.AtomicBoolean flagKept = new java.util.concurrent.atomic.AtomicBoolean();
            Thread caller = Thread.ofPlatform().start(() -> {
                try {
                    api.get("/ok/1").send();
                } catch (RuntimeException e) {
                    failure.set(e);
                    flagKept.set(Thread.currentThread().isInterrupted());
                }
            });
            Thread.sleep(200);
            long interruptedAt = System.nanoTime();
            caller.interrupt();
            caller.join(5_000);

            assertThat(failure.get()).isInstanceOf(ApiConnectException.class).hasMessageContaining("rate-limit permit");
            assertThat(flagKept).isTrue();
            assertThat(Duration.ofNanos(System.nanoTime() - interruptedAt)).isLessThan(Duration.ofMillis(500));
        }
    }

    @Test
    void sharesTheRateLimitThroughRedis() {
        String redis = "redis://127.0.0.1:6379";
        ApiConfig shared = config("shared-" + Long.toHexString(System.nanoTime())).rateLimit(6)
                .rateLimitWait(Duration.ZERO).build();
        try (ApiClient first = ApiClient.builder(shared).sharedRateLimit(redis).build();
                ApiClient second = ApiClient.builder(shared).sharedRateLimit(redis).build()) {
            assertOneBucketForBoth(first, second, 6);
        }
    }

    /** The service's way: both clients take their store from the process's one Redis connection (a RedisLink). */
    @Test
    void sharesTheRateLimitThroughARedisLinkItIsGiven() {
        ApiConfig shared = config("linked-" + Long.toHexString(System.nanoTime())).rateLimit(6)
                .rateLimitWait(Duration.ZERO).build();
        try (RedisLink link = RedisLink.open(RedisConfig.of("redis://127.0.0.1:6379/0")
                .withCommandTimeout(Duration.ofSeconds(1)));
                RedisLink other = RedisLink.open(RedisConfig.of("redis://127.0.0.1:6379/0")
                        .withCommandTimeout(Duration.ofSeconds(1)));
                ApiClient first = ApiClient.builder(shared)
                        .sharedRateLimit(link.bucketStore(ApiClientBuilder.SHARED_RATE_PREFIX)).build();
                ApiClient second = ApiClient.builder(shared)
                        .sharedRateLimit(other.bucketStore(ApiClientBuilder.SHARED_RATE_PREFIX)).build()) {
            assertOneBucketForBoth(first, second, 6);
            // the bucket sits where weft-http's own Redis store kept it
            String key = "weft:http:rate:" + shared.name() + ":" + server.baseUri().getAuthority();
            io.lettuce.core.RedisClient raw = io.lettuce.core.RedisClient.create("redis://127.0.0.1:6379/0");
            try (var connection = raw.connect()) {
                assertThat(connection.sync().exists(key)).as(key).isEqualTo(1L);
            } finally {
                raw.shutdown();
            }
        }
    }

    /** Redis down: each client limits on its own at the configured rate, neither stops nor lets calls through. */
    @Test
    void limitsPerInstanceWhileRedisIsDown() {
        ApiConfig limited = config("redis-down-" + Long.toHexString(System.nanoTime())).rateLimit(5)
                .rateLimitWait(Duration.ZERO).build();
        try (ApiClient api = ApiClient.builder(limited).sharedRateLimit("redis://127.0.0.1:1").build()) {
            long start = System.nanoTime();
            int sent = 0;
            int refused = 0;
            for (int i = 0; i < 30; i++) {
                try {
                    api.get("/ok/1").send();
                    sent++;
                } catch (RateLimitedException e) {
                    refused++;
                    assertThat(e.retryAfter()).hasValueSatisfying(wait -> assertThat(wait).isPositive());
                }
            }
            double seconds = (System.nanoTime() - start) / 1e9;

            assertThat(sent).as("the local bucket admits").isPositive();
            assertThat(refused).as("limited, not unlimited").isPositive();
            assertThat(sent).isLessThanOrEqualTo(5 + (int) Math.ceil(seconds * 5));
        }
    }

    private static void assertOneBucketForBoth(ApiClient first, ApiClient second, int rate) {
        // the bucket refills from the first call on, so the bound counts the time from there
        long start = System.nanoTime();
        first.get("/ok/1").send();
        second.get("/ok/1").send();
        int sent = 2;
        int refused = 0;
        for (int i = 0; i < 20; i++) {
            try {
                (i % 2 == 0 ? first : second).get("/ok/1").send();
                sent++;
            } catch (RateLimitedException e) {
                refused++;
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;

        assertThat(refused).isPositive();
        assertThat(sent).as("one bucket of " + rate + "/s for both clients")
                .isLessThanOrEqualTo(rate + (int) Math.ceil(seconds * rate));
    }

    @Test
    void boundsConcurrentCallsPerHost() {
        try (ApiClient api = ApiClient.create(config("bulkhead").maxConcurrentPerHost(4).rateLimitEnabled(false)
                .build())) {
            List<ApiRequest> requests = IntStream.range(0, 20).mapToObj(i -> api.get("/slow/" + i)).toList();

            long start = System.nanoTime();
            List<BatchResult<ApiResponse>> results = api.batch(requests, 20);

            assertThat(results).allSatisfy(result -> assertThat(result.succeeded()).isTrue());
            assertThat(Duration.ofNanos(System.nanoTime() - start)).as("5 waves of 4 calls of 200 ms")
                    .isGreaterThanOrEqualTo(Duration.ofMillis(1000));
        }
    }

    @Test
    void boundsTheWaitForAConnectionSlotByTheCallsTimeout() {
        try (ApiClient api = ApiClient.create(config("slots").maxConnectionsPerHost(2)
                .totalTimeout(Duration.ofSeconds(8)).rateLimitEnabled(false).build());
                ApiStream first = api.get("/ok/1").stream();
                ApiStream second = api.get("/ok/2").stream()) {
            long start = System.nanoTime();

            assertThatThrownBy(() -> api.get("/ok/3").timeout(Duration.ofMillis(500)).send())
                    .isInstanceOfSatisfying(BulkheadFullException.class, full -> {
                        assertThat(full.kind()).isEqualTo(ErrorKind.TIMEOUT);
                        assertThat(full.getMessage()).contains("one of 2 connections to the host");
                    });
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        }
    }

    @Test
    void keepsTheBulkheadSizeAfterFailedAndRetriedCalls() {
        server.route("GET", "/down", Behavior.status(503));
        server.route("GET", "/missing", Behavior.status(404));
        try (ApiClient api = ApiClient.create(config("permits").maxConcurrentPerHost(1).rateLimitEnabled(false)
                .breakerEnabled(false).retryDelay(Duration.ofMillis(1)).maxRetryDelay(Duration.ofMillis(5)).build())) {
            for (int i = 0; i < 5; i++) {
                assertThatThrownBy(() -> api.get("/down").send()).isInstanceOf(ApiException.class);
                assertThatThrownBy(() -> api.get("/missing").send()).isInstanceOf(UpstreamException.class);
            }
            List<ApiRequest> requests = IntStream.range(0, 4).mapToObj(i -> api.get("/slow/" + i)).toList();

            long start = System.nanoTime();
            api.batch(requests, 4);

            assertThat(Duration.ofNanos(System.nanoTime() - start)).as("still one call at a time")
                    .isGreaterThanOrEqualTo(Duration.ofMillis(800));
        }
    }

    @Test
    void keepsBatchResultsInOrderAndFailuresPerItem() {
        server.route("GET", "/missing", Behavior.status(404));
        try (ApiClient api = ApiClient.create(config("batch").rateLimitEnabled(false).build())) {
            List<ApiRequest> requests = List.of(api.get("/ok/1"), api.get("/missing"), api.get("/slow/1"),
                    api.get("/ok/2"));

            List<BatchResult<ApiResponse>> results = api.batch(requests, 2);

            assertThat(results).extracting(BatchResult::index).containsExactly(0, 1, 2, 3);
            assertThat(results).extracting(BatchResult::succeeded).containsExactly(true, false, true, true);
            assertThat(results.get(1).error()).isInstanceOfSatisfying(UpstreamException.class,
                    e -> assertThat(e.status()).isEqualTo(404));
        }
    }
}
