package dev.weft.cache.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.weft.core.ratelimit.BucketMode;
import dev.weft.core.ratelimit.RateDecision;
import dev.weft.core.ratelimit.RateLimit;
import dev.weft.core.ratelimit.TokenBuckets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * weft-core's token buckets on {@link RedisLink#bucketStore(String)}: one bucket shared by two instances (each with
 * its link, as two processes would have), and the degraded policy against a redis-server of the test's own that is
 * killed (SIGKILL), hung (SIGSTOP) and brought back. Never the shared server on 6379 for the outages.
 */
@Timeout(60)
class RedisTokenBucketsTest {
    private static final int RATE = 10;
    /** This suite's own Redis servers take ports from here (24200-24299). */
    private static final int FIRST_REDIS_PORT = 24_200;

    @Test
    void twoInstancesTakeFromOneBucket() {
        String prefix = "weft-test-tb-" + UUID.randomUUID() + ":";
        try (RedisLink first = RedisLink.open(RedisConfig.of("redis://127.0.0.1:6379/0"));
                RedisLink second = RedisLink.open(RedisConfig.of("redis://127.0.0.1:6379/0"))) {
            TokenBuckets one = TokenBuckets.shared("one", RateLimit.perSecond(RATE), first.bucketStore(prefix));
            TokenBuckets two = TokenBuckets.shared("two", RateLimit.perSecond(RATE), second.bucketStore(prefix));

            List<RateDecision> decisions = new ArrayList<>();
            for (int i = 0; i < RATE; i++) {
                decisions.add(one.tryAcquire("key"));
                decisions.add(two.tryAcquire("key"));
            }

            assertThat(decisions).allSatisfy(decision -> assertThat(decision.mode()).isEqualTo(BucketMode.SHARED));
            // the two instances share RATE permits (one more at most, if the test crossed a period boundary)
            assertThat(decisions.stream().filter(RateDecision::allowed).count()).isBetween((long) RATE, RATE + 1L);
            RateDecision refused = decisions.getLast().allowed() ? decisions.get(decisions.size() - 2) : decisions.getLast();
            assertThat(refused.retryAfter()).isPositive().isLessThanOrEqualTo(Duration.ofSeconds(1));
            assertThat(one.storeFailures() + two.storeFailures()).isZero();
        }
    }

    /** Issue 17's promise, kept on the one connection: fresh instances admit at most 1.1 x N per second from the first. */
    @Test
    void freshInstancesAdmitTheSharedRateFromTheFirstSecond() throws InterruptedException {
        int rate = 20;
        String prefix = "weft-test-tb-" + UUID.randomUUID() + ":";
        List<RedisLink> links = new ArrayList<>();
        List<TokenBuckets> instances = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            // six spinning clients on a shared 2-core box can stall a round trip past 100 ms: this test is about the
            // shared bucket, not about timeouts (the outage tests below keep the 100 ms)
            RedisLink link = RedisLink.open(RedisConfig.of("redis://127.0.0.1:6379/0")
                    .withCommandTimeout(Duration.ofSeconds(1)));
            links.add(link);
            instances.add(TokenBuckets.shared("api", RateLimit.perSecond(rate), link.bucketStore(prefix)));
        }
        // Bucket4j times buckets in epoch milliseconds: windows are measured on the same clock
        java.util.concurrent.ConcurrentLinkedQueue<Long> admitted = new java.util.concurrent.ConcurrentLinkedQueue<>();
        long startMillis = System.currentTimeMillis();
        long endMillis = startMillis + 3_200;
        try {
            List<Thread> clients = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                TokenBuckets instance = instances.get(i % 3);
                clients.add(Thread.ofVirtual().start(() -> {
                    while (System.currentTimeMillis() < endMillis) {
                        if (instance.tryAcquire("key").allowed()) {
                            admitted.add(System.currentTimeMillis());
                        }
                    }
                }));
            }
            for (Thread client : clients) {
                client.join();
            }
        } finally {
            links.forEach(RedisLink::close);
        }

        int[] perSecond = new int[3];
        for (long at : admitted) {
            int second = (int) ((at - startMillis) / 1000);
            if (second < perSecond.length) {
                perSecond[second]++;
            }
        }
        assertThat(instances).allSatisfy(instance -> assertThat(instance.storeFailures()).isZero());
        assertThat(java.util.Arrays.stream(perSecond).boxed().toList())
                .allSatisfy(count -> assertThat(count).isBetween(rate / 2, (int) (rate * 1.1)));
    }

    @Test
    void limitsPerInstanceWhileRedisIsDownAndSharesAgainWhenItIsBack() {
        try (RedisProcess redis = RedisProcess.startInRange(FIRST_REDIS_PORT);
                RedisLink link = RedisLink.open(RedisConfig.of(redis.url()))) {
            TokenBuckets buckets = TokenBuckets.shared("api", RateLimit.perSecond(RATE), link.bucketStore("weft:"));
            assertThat(buckets.mode()).as("connected when the store was made").isEqualTo(BucketMode.SHARED);
            assertThat(buckets.tryAcquire("warm").mode()).isEqualTo(BucketMode.SHARED);

            redis.kill();
            await().atMost(Duration.ofSeconds(5)).until(() -> buckets.mode() == BucketMode.FALLBACK);
            List<RateDecision> duringOutage = burst(buckets, "down", 3 * RATE);
            redis.restart();
            await().atMost(Duration.ofSeconds(10)).until(() -> {
                buckets.tryAcquire("probe");
                return buckets.mode() == BucketMode.SHARED;
            });
            List<RateDecision> after = burst(buckets, "back", 3 * RATE);

            assertThat(duringOutage).allSatisfy(decision -> assertThat(decision.mode()).isEqualTo(BucketMode.FALLBACK));
            assertThat(allowed(duringOutage)).as("a limit per instance, not none").isBetween(RATE, RATE + 1);
            assertThat(after).allSatisfy(decision -> assertThat(decision.mode()).isEqualTo(BucketMode.SHARED));
            assertThat(allowed(after)).isBetween(RATE, RATE + 1);
        }
    }

    @Test
    void startsLocalWhenRedisIsUnreachableAndSharesOnceItAnswers() {
        try (RedisProcess redis = RedisProcess.stoppedInRange(FIRST_REDIS_PORT);
                RedisLink link = RedisLink.open(RedisConfig.of(redis.url()))) {
            TokenBuckets buckets = TokenBuckets.shared("api", RateLimit.perSecond(RATE), link.bucketStore("weft:"));
            BucketMode atStart = buckets.mode();
            int admittedAtStart = allowed(burst(buckets, "early", 3 * RATE));
            redis.restart();
            await().atMost(Duration.ofSeconds(10)).until(() -> {
                buckets.tryAcquire("probe");
                return buckets.mode() == BucketMode.SHARED;
            });

            assertThat(atStart).isEqualTo(BucketMode.FALLBACK);
            assertThat(admittedAtStart).isBetween(RATE, RATE + 1);
            assertThat(buckets.tryAcquire("late").mode()).isEqualTo(BucketMode.SHARED);
        }
    }

    /** A hung Redis costs one call a second the command timeout; the others limit locally at once. */
    @Test
    void aHungRedisCostsOneCallASecondNotEveryCall() throws InterruptedException {
        try (RedisProcess redis = RedisProcess.startInRange(FIRST_REDIS_PORT);
                RedisLink link = RedisLink.open(RedisConfig.of(redis.url()))) {
            TokenBuckets buckets = TokenBuckets.shared("api", RateLimit.perSecond(1_000_000), link.bucketStore("weft:"));
            buckets.tryAcquire("warm");
            redis.pause();
            List<Long> millis = new ArrayList<>();
            long end = System.nanoTime() + Duration.ofMillis(2_500).toNanos();
            try {
                while (System.nanoTime() < end) {
                    long start = System.nanoTime();
                    assertThat(buckets.tryAcquire("hung").allowed()).isTrue();
                    millis.add((System.nanoTime() - start) / 1_000_000);
                    Thread.sleep(1);
                }
            } finally {
                redis.resume();
            }
            BucketMode whileHung = buckets.mode();
            await().atMost(Duration.ofSeconds(5)).until(() -> {
                buckets.tryAcquire("back");
                return buckets.mode() == BucketMode.SHARED;
            });

            long slow = millis.stream().filter(ms -> ms >= 90).count();
            assertThat(whileHung).isEqualTo(BucketMode.FALLBACK);
            assertThat(millis.size()).isGreaterThan(100);
            assertThat(slow).as("calls that waited for the hung Redis, of %d", millis.size()).isBetween(1L, 4L);
        }
    }

    private static List<RateDecision> burst(TokenBuckets buckets, String key, int calls) {
        List<RateDecision> decisions = new ArrayList<>();
        for (int i = 0; i < calls; i++) {
            decisions.add(buckets.tryAcquire(key));
        }
        return decisions;
    }

    private static int allowed(List<RateDecision> decisions) {
        return (int) decisions.stream().filter(RateDecision::allowed).count();
    }
}
