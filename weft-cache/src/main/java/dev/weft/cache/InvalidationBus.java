package dev.weft.cache;

import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.codec.StringCodec;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Carries invalidations between instances on one pub/sub channel per namespace, {@code <namespace>:invalidations}.
 * A message is {@code <origin>|<cache>|<k|t|p|a>|<argument>}; an instance ignores its own. Messages are handled
 * on Lettuce's event loop and only touch the local tier, which never blocks.
 *
 * <p>Publishing goes through the circuit breaker like every Redis call; a message lost to an outage is covered by
 * clearing the local tiers when Redis answers again.
 */
final class InvalidationBus implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RedisCaches.class);

    private final RedisLink link;
    private final String channel;
    private final String origin = UUID.randomUUID().toString();
    private final Map<String, TieredTier> caches = new ConcurrentHashMap<>();
    private static final long RETRY_NANOS = TimeUnit.SECONDS.toNanos(1);
    private final ReentrantLock subscribeLock = new ReentrantLock();
    private volatile long lastAttempt = System.nanoTime() - RETRY_NANOS;
    private volatile @Nullable StatefulRedisPubSubConnection<String, String> subscription;
    /** Called with the nanoTime a remote invalidation was applied, for latency measurements. */
    private volatile java.util.function.LongConsumer onApplied = nanos -> { };

    InvalidationBus(RedisLink link) {
        this.link = link;
        this.channel = link.config().namespace() + ":invalidations";
    }

    void register(String name, TieredTier cache) {
        caches.put(name, cache);
        ensureSubscribed();
    }

    void unregister(String name, TieredTier cache) {
        caches.remove(name, cache);
    }

    void onApplied(java.util.function.LongConsumer listener) {
        this.onApplied = listener;
    }

    /**
     * Subscribes once; Lettuce resubscribes by itself after a reconnect. A failed attempt is retried by a later
     * call, at most once a second, and a caller never queues behind another's attempt.
     */
    private void ensureSubscribed() {
        if (subscription != null || System.nanoTime() - lastAttempt < RETRY_NANOS || !subscribeLock.tryLock()) {
            return;
        }
        StatefulRedisPubSubConnection<String, String> connection = null;
        try {
            if (subscription != null) {
                return;
            }
            lastAttempt = System.nanoTime();
            connection = link.client().connectPubSub(StringCodec.UTF8);
            connection.addListener(new RedisPubSubAdapter<>() {
                @Override
                public void message(String from, String message) {
                    apply(message);
                }
            });
            connection.sync().subscribe(channel);
            subscription = connection;
            connection = null;
        } catch (RuntimeException e) {
            if (connection != null) {
                connection.closeAsync(); // a connection that could not subscribe must not leak
            }
            LOG.atWarn().setMessage("cannot subscribe to cache invalidations; will retry")
                    .addKeyValue("channel", channel).addKeyValue("error", e.getClass().getSimpleName()).log();
        } finally {
            subscribeLock.unlock();
        }
    }

    private void apply(String message) {
        String[] parts = message.split("\\|", 4);
        if (parts.length < 3 || parts[0].equals(origin)) {
            return;
        }
        TieredTier cache = caches.get(parts[1]);
        if (cache == null) {
            return;
        }
        String argument = parts.length == 4 ? parts[3] : "";
        switch (parts[2]) {
            case "k" -> cache.local().invalidate(argument);
            case "t" -> cache.local().observeTagInvalidated(argument);
            case "p" -> cache.local().invalidateTags(argument);
            case "a" -> cache.local().clear();
            default -> LOG.atDebug().setMessage("unknown invalidation").addKeyValue("kind", parts[2]).log();
        }
        onApplied.accept(System.nanoTime());
    }

    void publishKey(String cache, String key) {
        publish(cache, "k", key);
    }

    void publishTag(String cache, String tag) {
        publish(cache, "t", tag);
    }

    void publishPattern(String cache, String pattern) {
        publish(cache, "p", pattern);
    }

    void publishClear(String cache) {
        publish(cache, "a", "");
    }

    private void publish(String cache, String kind, String argument) {
        ensureSubscribed();
        byte[] message = RedisLink.bytes(origin + "|" + cache + "|" + kind + "|" + argument);
        Long receivers = link.call(redis -> redis.publish(channel, message), () -> -1L, () -> { });
        if (receivers < 0) {
            // Other instances keep their local copy until their local TTL cap; say so, since nobody else will.
            LOG.atWarn().setMessage("cache invalidation could not be published")
                    .addKeyValue("cache", cache).addKeyValue("kind", kind).log();
        }
    }

    /** Clears every local tier: called when Redis answers again after an outage. */
    void clearLocalTiers() {
        caches.values().forEach(cache -> cache.local().clear());
    }

    @Override
    public void close() {
        StatefulRedisPubSubConnection<String, String> connection = subscription;
        if (connection != null) {
            connection.closeAsync().orTimeout(2, TimeUnit.SECONDS);
        }
    }
}
