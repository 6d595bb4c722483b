package dev.weft.bench;

import dev.weft.cache.Cache;
import dev.weft.cache.redis.RedisCaches;
import dev.weft.cache.redis.RedisConfig;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * A Redis cache hit on 127.0.0.1:6379: weft's Redis cache ({@code get} = one EVALSHA that checks the entry's
 * tags, plus JSON decoding) against Lettuce's sync {@code GET} of the same bytes on one shared connection, as
 * weft uses one. 1,000 keys of a small JSON record.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Threads(4)
@Fork(1)
@Warmup(iterations = 3, time = 3)
@Measurement(iterations = 5, time = 3)
public class RedisGetBenchmark {
    static final int KEYS = 1_000;
    static final String URL = System.getProperty("weft.bench.redis", "redis://127.0.0.1:6379/0");

    /** The cached value. */
    public record Profile(long id, String email, long credits) {
    }

    /** weft's cache and a raw Lettuce connection over the same Redis. */
    @State(Scope.Benchmark)
    public static class Redis {
        final String namespace = "bench" + UUID.randomUUID().toString().substring(0, 8);
        final String[] keys = new String[KEYS];
        final String[] rawKeys = new String[KEYS];
        final com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        RedisCaches caches;
        Cache weft;
        RedisClient client;
        StatefulRedisConnection<String, byte[]> connection;
        RedisCommands<String, byte[]> raw;

        @Setup
        public void fill() {
            caches = RedisCaches.connect(RedisConfig.of(URL).withNamespace(namespace));
            weft = caches.cache("profiles");
            client = RedisClient.create(URL);
            connection = client.connect(RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE));
            raw = connection.sync();
            for (int i = 0; i < KEYS; i++) {
                keys[i] = "user_profile:" + i;
                Profile profile = new Profile(i, "user" + i + "@example.com", i * 10L);
                weft.put(keys[i], profile, Duration.ofMinutes(10));
                String text = "{\"id\":" + i + ",\"email\":\"user" + i + "@example.com\",\"credits\":" + i * 10L + "}";
                rawKeys[i] = namespace + ":raw:" + keys[i];
                raw.psetex(rawKeys[i], 600_000, text.getBytes(StandardCharsets.UTF_8));
            }
        }

        @TearDown
        public void clean() {
            weft.clear();
            raw.del(rawKeys);
            connection.close();
            client.shutdown();
            caches.close();
        }

        int index() {
            return ThreadLocalRandom.current().nextInt(KEYS);
        }
    }

    /** @return a hit through weft */
    @Benchmark
    public Profile weft(Redis redis) {
        return redis.weft.get(redis.keys[redis.index()], Profile.class).orElseThrow();
    }

    /** @return the raw bytes of a GET through Lettuce: the strict baseline */
    @Benchmark
    public byte[] lettuce(Redis redis) {
        byte[] value = redis.raw.get(redis.rawKeys[redis.index()]);
        if (value == null) {
            throw new IllegalStateException("miss");
        }
        return value;
    }

    /**
     * @return a GET through Lettuce decoded with Jackson, as an application using Lettuce directly would
     * @throws java.io.IOException never, for valid JSON
     */
    @Benchmark
    public Profile lettuceDecoded(Redis redis) throws java.io.IOException {
        byte[] value = redis.raw.get(redis.rawKeys[redis.index()]);
        if (value == null) {
            throw new IllegalStateException("miss");
        }
        return redis.json.readValue(value, Profile.class);
    }
}
