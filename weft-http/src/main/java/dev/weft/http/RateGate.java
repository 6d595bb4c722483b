package dev.weft.http;

import io.github.bucket4j.Bucket;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.distributed.proxy.ProxyManager;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A token bucket per host (Bucket4j): {@code rate} permits per second with bursts up to {@code rate}. Local to the
 * process, or shared by every instance through Redis. A Redis failure lets calls through (logged once) rather than
 * stopping all traffic because the limiter's store is down. Thread-safe.
 */
final class RateGate {
    private static final Logger log = LoggerFactory.getLogger(RateGate.class);

    private final Bucket bucket;
    private final boolean shared;
    private final String client;
    private final AtomicBoolean storeDownLogged = new AtomicBoolean();

    private RateGate(Bucket bucket, boolean shared, String client) {
        this.bucket = bucket;
        this.shared = shared;
        this.client = client;
    }

    static BucketConfiguration configuration(int ratePerSecond) {
        return BucketConfiguration.builder()
                .addLimit(limit -> limit.capacity(ratePerSecond).refillGreedy(ratePerSecond, Duration.ofSeconds(1)))
                .build();
    }

    static RateGate local(String client, int ratePerSecond) {
        return new RateGate(Bucket.builder().addLimit(limit -> limit.capacity(ratePerSecond)
                .refillGreedy(ratePerSecond, Duration.ofSeconds(1))).build(), false, client);
    }

    static RateGate shared(String client, String authority, int ratePerSecond, ProxyManager<byte[]> proxies) {
        byte[] key = ("weft:http:rate:" + client + ":" + authority).getBytes(StandardCharsets.UTF_8);
        return new RateGate(proxies.builder().build(key, () -> configuration(ratePerSecond)), true, client);
    }

    /**
     * Takes a permit, waiting up to {@code maxWait}.
     *
     * @return 0 if a permit was taken, else the nanoseconds until one is expected
     * @throws InterruptedException if interrupted while waiting
     */
    long acquire(Duration maxWait) throws InterruptedException {
        try {
            if (bucket.tryConsume(1)) {
                return 0;
            }
            if (!maxWait.isZero() && bucket.asBlocking().tryConsume(1, maxWait)) {
                return 0;
            }
            return Math.max(1, bucket.estimateAbilityToConsume(1).getNanosToWaitForRefill());
        } catch (RuntimeException e) {
            if (!shared) {
                throw e;
            }
            if (storeDownLogged.compareAndSet(false, true)) {
                log.atWarn().setMessage("shared rate limit store failed; calls pass unlimited until it answers")
                        .addKeyValue("client", client).addKeyValue("error", e.getClass().getSimpleName()).log();
            }
            return 0;
        }
    }
}
