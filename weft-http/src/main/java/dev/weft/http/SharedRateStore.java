package dev.weft.http;

import dev.weft.core.InvalidConfigException;
import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.distributed.proxy.ProxyManager;
import io.github.bucket4j.redis.lettuce.Bucket4jLettuce;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Redis store of the per-host rate buckets that every instance shares (Bucket4j over one Lettuce connection),
 * and its lifecycle. The only place in weft-http that touches Redis: the switch to a Redis connection owned by
 * another module replaces this class alone. Thread-safe; {@link #close()} is idempotent.
 */
final class SharedRateStore implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SharedRateStore.class);

    private final String client;
    private final RedisClient redis;
    private final StatefulRedisConnection<byte[], byte[]> connection;
    private final ProxyManager<byte[]> buckets;

    private SharedRateStore(String client, RedisClient redis, StatefulRedisConnection<byte[], byte[]> connection,
            ProxyManager<byte[]> buckets) {
        this.client = client;
        this.redis = redis;
        this.connection = connection;
        this.buckets = buckets;
    }

    /**
     * Connects to Redis; blocks up to the connect timeout.
     *
     * @throws InvalidConfigException naming {@code weft.http.<name>.rate-limit-redis} if Redis does not answer
     */
    static SharedRateStore connect(String client, String url) {
        RedisClient redis = null;
        try {
            redis = RedisClient.create(RedisURI.create(url));
            redis.setOptions(ClientOptions.builder()
                    .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                    .timeoutOptions(TimeoutOptions.enabled(Duration.ofSeconds(1)))
                    .build());
            StatefulRedisConnection<byte[], byte[]> connection = redis.connect(ByteArrayCodec.INSTANCE);
            ProxyManager<byte[]> buckets = Bucket4jLettuce.casBasedBuilder(connection)
                    .expirationAfterWrite(ExpirationAfterWriteStrategy
                            .basedOnTimeForRefillingBucketUpToMax(Duration.ofSeconds(10)))
                    .build();
            return new SharedRateStore(client, redis, connection, buckets);
        } catch (RuntimeException e) {
            if (redis != null) {
                redis.shutdown();
            }
            throw new InvalidConfigException("weft.http." + client + ".rate-limit-redis",
                    url.replaceAll("//[^@/]*@", "//***@"), "Redis did not answer", e);
        }
    }

    /** The shared bucket of one host, created in Redis on first use. */
    RateGate gate(String authority, int ratePerSecond) {
        return RateGate.shared(client, authority, ratePerSecond, buckets);
    }

    @Override
    public void close() {
        try {
            connection.close();
            redis.shutdown();
        } catch (RuntimeException e) {
            log.atDebug().setMessage("closing the rate-limit Redis connection failed").addKeyValue("client", client)
                    .log();
        }
    }
}
