package dev.weft.bench;

import dev.weft.cache.Cache;
import dev.weft.cache.TypeRef;
import dev.weft.cache.redis.RedisCaches;
import dev.weft.cache.redis.RedisConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Two cross-instance figures on the local Redis, each instance a separate {@link RedisCaches} (its own
 * connections, as separate service processes would have):
 *
 * <ol>
 *   <li>invalidation latency: instance A invalidates a key of a tiered cache, one at a time; the time until
 *       instance B has dropped it from its local tier (p50/p99/max over {@code ROUNDS});</li>
 *   <li>single flight under contention: 200 concurrent getOrLoad calls for one key spread over 4 instances, a
 *       loader of 100 ms; loader runs (must be 1) and the time until every caller has the value.</li>
 * </ol>
 *
 * Run: {@code java -cp "weft-bench/target/classes:weft-bench/target/lib/*" dev.weft.bench.CrossInstanceCacheBench}
 */
public final class CrossInstanceCacheBench {
    private static final int ROUNDS = Integer.getInteger("rounds", 1000);
    private static final String URL = System.getProperty("weft.bench.redis", "redis://127.0.0.1:6379/0");

    private CrossInstanceCacheBench() {
    }

    /**
     * @param args unused
     * @throws Exception on failure
     */
    public static void main(String[] args) throws Exception {
        RedisConfig config = RedisConfig.of(URL).withNamespace("bench" + UUID.randomUUID().toString().substring(0, 8));
        invalidationLatency(config);
        singleFlight(config);
    }

    private static void invalidationLatency(RedisConfig config) throws InterruptedException {
        try (RedisCaches a = RedisCaches.connect(config); RedisCaches b = RedisCaches.connect(config)) {
            Cache onA = a.tiered("latency", 10_000, Duration.ofMinutes(5));
            Cache onB = b.tiered("latency", 10_000, Duration.ofMinutes(5));
            AtomicLong arrived = new AtomicLong();
            CountDownLatch[] latch = new CountDownLatch[1];
            b.onRemoteInvalidation(nanos -> {
                arrived.set(nanos);
                latch[0].countDown();
            });
            long[] micros = new long[ROUNDS];
            for (int i = 0; i < 50 + ROUNDS; i++) { // 50 rounds of warm-up
                String key = "k" + i;
                latch[0] = new CountDownLatch(1);
                onA.put(key, "v" + i, Duration.ofMinutes(5)); // a put also tells B to drop its local copy
                if (!latch[0].await(5, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("put " + i + " never arrived");
                }
                onB.get(key, String.class).orElseThrow(); // B now holds it locally
                latch[0] = new CountDownLatch(1);
                long sent = System.nanoTime();
                onA.invalidate(key);
                if (!latch[0].await(5, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("invalidation " + i + " never arrived");
                }
                if (i >= 50) {
                    micros[i - 50] = (arrived.get() - sent) / 1000;
                }
            }
            onA.clear();
            Arrays.sort(micros);
            System.out.printf("invalidation latency A->B local tier over %d rounds: p50=%d us p99=%d us max=%d us%n",
                    ROUNDS, micros[ROUNDS / 2], micros[(int) (ROUNDS * 0.99)], micros[ROUNDS - 1]);
        }
    }

    private static void singleFlight(RedisConfig config) throws Exception {
        List<RedisCaches> instances = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            instances.add(RedisCaches.connect(config));
        }
        try (var threads = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int round = 0; round < 5; round++) {
                String key = "hot" + round;
                AtomicInteger runs = new AtomicInteger();
                CountDownLatch start = new CountDownLatch(1);
                List<Future<String>> calls = new ArrayList<>();
                for (int i = 0; i < 200; i++) {
                    Cache cache = instances.get(i % 4).cache("contended");
                    calls.add(threads.submit(() -> {
                        start.await();
                        return cache.getOrLoad(key, TypeRef.of(String.class), Duration.ofMinutes(1), Set.of(), () -> {
                            runs.incrementAndGet();
                            try {
                                Thread.sleep(100);
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                            return "value";
                        });
                    }));
                }
                long begin = System.nanoTime();
                start.countDown();
                for (Future<String> call : calls) {
                    if (!"value".equals(call.get(30, TimeUnit.SECONDS))) {
                        throw new IllegalStateException("wrong value");
                    }
                }
                System.out.printf("single flight round %d: 200 calls over 4 instances, loader runs=%d, all served in %d ms"
                        + " (loader takes 100 ms)%n", round, runs.get(), (System.nanoTime() - begin) / 1_000_000);
            }
            instances.getFirst().cache("contended").clear();
        } finally {
            instances.forEach(RedisCaches::close);
        }
    }
}
