package dev.weft.cache.redis;

import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A fresh namespace on a Redis the tests use, and a raw Lettuce connection to look at what weft wrote. By default
 * the shared Redis on 127.0.0.1:6379 (moved with WEFT_TEST_REDIS_URL), which is never flushed or stopped: closing
 * deletes only this namespace's keys, found with SCAN. A Redis that does not answer fails the test, never skips it.
 */
final class TestRedis implements AutoCloseable {
    static final String SHARED_URL = System.getenv().getOrDefault("WEFT_TEST_REDIS_URL", "redis://127.0.0.1:6379/0");

    private final String url;
    private final String namespace;
    private final RedisClient client;
    private final StatefulRedisConnection<String, String> connection;

    private TestRedis(String url) {
        this.url = url;
        this.namespace = "t" + Long.toString(ThreadLocalRandom.current().nextLong(1L << 50), 36);
        RedisURI uri = RedisURI.create(url);
        uri.setTimeout(Duration.ofSeconds(5));
        this.client = RedisClient.create(uri);
        this.connection = client.connect();
    }

    /** @return a fresh namespace on the shared Redis */
    static TestRedis shared() {
        return new TestRedis(SHARED_URL);
    }

    /**
     * @param url another Redis, e.g. one the test started
     * @return a fresh namespace on it
     */
    static TestRedis at(String url) {
        return new TestRedis(url);
    }

    String namespace() {
        return namespace;
    }

    /** @return a config for this namespace with every other setting at its default */
    RedisConfig config() {
        return RedisConfig.of(url).withNamespace(namespace);
    }

    /** @return raw commands on the same Redis, outside weft */
    RedisCommands<String, String> raw() {
        return connection.sync();
    }

    /** @return every key of this namespace, found with SCAN */
    List<String> keys() {
        return scan(namespace + ":*");
    }

    List<String> scan(String match) {
        List<String> keys = new ArrayList<>();
        ScanCursor cursor = ScanCursor.INITIAL;
        ScanArgs args = ScanArgs.Builder.matches(match).limit(1000);
        do {
            KeyScanCursor<String> page = raw().scan(cursor, args);
            keys.addAll(page.getKeys());
            cursor = page;
        } while (!cursor.isFinished());
        return keys.stream().distinct().toList();
    }

    /** Deletes this namespace's keys and closes the raw connection. */
    @Override
    public void close() {
        try {
            List<String> keys = keys();
            if (!keys.isEmpty()) {
                raw().del(keys.toArray(String[]::new));
            }
        } finally {
            connection.close();
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }
}
