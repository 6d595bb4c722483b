package dev.weft.cache.redis;

import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Carries invalidations between instances on one pub/sub channel per namespace, {@code <namespace>:invalidations},
 * and decides whether the local tiers may serve at all.
 *
 * <p><b>Epochs.</b> Every invalidation is published by one script that advances the namespace's epoch
 * ({@code <namespace>:invalidations.epoch}, microseconds of Redis's clock or the last epoch + 1, whichever is larger,
 * so it never goes back even when Redis restarts empty) and publishes {@code <epoch>|<origin>|<cache>|<k|t|p|a>|<arg>}
 * in the same atomic step. Redis delivers one connection's messages in publish order, so "every message up to epoch
 * E has been applied here" is one number, {@link #applied}. A local hit is served only if the epoch read from Redis
 * <em>after</em> the read began is {@code <= applied} ({@link #confirmsLocalTier()}): a writer that returned has
 * advanced the epoch before returning, so its invalidation is among those applied here, and the local tier no longer
 * holds what it invalidated. One GET of a small key per local hit, instead of the entry's script, copy and decode.
 *
 * <p><b>Listening.</b> The tiers are used only while this instance hears invalidations: subscribed (Lettuce's
 * connection listener clears that on a disconnect), the subscription's PING answered within the command timeout
 * (checked every {@link #PING_INTERVAL}; two unanswered in a row make it deaf), and no invalidation, publication or
 * put failed since (a failed read only makes that read skip the tier). Otherwise the instance is deaf: tiered
 * caches bypass both tiers and load. Getting back ({@link #resync()}) runs on the watchdog's virtual thread: after a
 * loss it fences each tiered cache (entries written before are dead, since writes during the outage could not
 * invalidate them), clears every local tier, reads the epoch as its baseline, and only then listens again; after an
 * outage it first waits until Redis has answered for {@link #SETTLE}, so that no other instance is still without
 * its connection (and failing to invalidate) while this one serves.
 *
 * <p>Messages are handled on Lettuce's event loop and only touch the local tier, which never blocks. Thread-safe.
 */
final class InvalidationBus implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RedisCaches.class);
    /** How often a listening instance pings its subscription to notice a hung Redis. */
    static final Duration PING_INTERVAL = Duration.ofMillis(250);
    /** How often a deaf instance tries to get back. */
    static final Duration DEAF_RETRY = Duration.ofMillis(50);
    /**
     * After an outage (connection lost, PINGs unanswered), how long Redis must have answered this instance before it
     * serves from its tiers again: longer than the longest another instance's connection can still be reconnecting
     * ({@link RedisLink#RECONNECT_DELAY_CAP}, the gap between Lettuce's reconnect attempts, plus a handshake). Until
     * then, a writer whose connection is not back yet fails to invalidate while this instance would already serve:
     * the race of issue 17 after a Redis restart. This instance clears its local tiers after the settle, so
     * everything such a writer committed before is loaded afresh.
     */
    static final Duration SETTLE = RedisLink.RECONNECT_DELAY_CAP.plusMillis(500);

    /** Advances the epoch and publishes in one atomic step; returns the new epoch. */
    private static final String PUBLISH = """
            local now = redis.call('TIME')
            local epoch = math.max(tonumber(redis.call('GET', KEYS[1]) or '0') + 1,
                tonumber(now[1]) * 1000000 + tonumber(now[2]))
            local text = string.format('%.0f', epoch)
            redis.call('SET', KEYS[1], text)
            redis.call('PUBLISH', ARGV[1], text .. '|' .. ARGV[2])
            return epoch
            """;
    /**
     * One invalidation in one atomic step: the Redis tier's part (INCR of a tag's version, or DEL of an entry), the
     * epoch advance and the publication. A timed-out call therefore either did all of it (perhaps later, when a hung
     * Redis resumes) or none of it: never a Redis tier already invalidated while the local tiers were not told.
     */
    private static final String INVALIDATE = RedisTier.DROP_LEASE + """
            if ARGV[3] == 'incr' then
                redis.call('INCR', KEYS[2])
            elseif ARGV[3] == 'del' then
                redis.call('DEL', KEYS[2])
                drop_lease(ARGV[4], ARGV[5])
            end
            """ + PUBLISH;
    /** The current epoch, created from Redis's clock when there is none (Redis restarted empty). */
    private static final String BASELINE = """
            local epoch = redis.call('GET', KEYS[1])
            if epoch then return tonumber(epoch) end
            local now = redis.call('TIME')
            local value = tonumber(now[1]) * 1000000 + tonumber(now[2])
            redis.call('SET', KEYS[1], string.format('%.0f', value))
            return value
            """;

    /** The deaf reason after a failed write while Redis may still be up (no outage seen). */
    static final String WRITE_FAILED = "redis write failed";

    private final RedisLink link;
    private final String channel;
    private final String epochKey;
    private final EpochReads epochReads;
    private final String origin = UUID.randomUUID().toString();
    private final Map<String, TieredTier> caches = new ConcurrentHashMap<>();
    /** The highest epoch whose message (and so every earlier one) has been applied here. */
    private final AtomicLong applied = new AtomicLong();
    private final Object stateLock = new Object();
    private final Semaphore wake = new Semaphore(0);
    private volatile boolean listening;
    /** Whether the current subscription connection has confirmed its SUBSCRIBE (again, after a reconnect). */
    private volatile boolean subscribed;
    /** Counts every loss, so a resync that raced with a new one does not declare the instance listening. */
    private long losses; // guarded by stateLock
    /** A loss happened since the last fence: entries in Redis may have missed invalidations. */
    private boolean mustFence; // guarded by stateLock
    private volatile String deafReason = "not subscribed yet";
    private volatile @Nullable StatefulRedisPubSubConnection<String, String> subscription;
    private boolean started; // guarded by stateLock
    private int unansweredPings; // the watchdog's own
    /** When (nanoTime) Redis was last seen not answering: a lost connection or an unanswered PING. */
    private volatile long lastUnanswered = System.nanoTime();
    /** An outage (not only a failed write) happened since the last resync: wait for {@link #SETTLE} first. */
    private volatile boolean mustSettle;
    private volatile boolean closed;
    /** Called with the nanoTime a remote invalidation was applied, for latency measurements. */
    private volatile LongConsumer onApplied = nanos -> { };

    InvalidationBus(RedisLink link) {
        this.link = link;
        this.channel = link.config().namespace() + ":invalidations";
        this.epochKey = channel + ".epoch";
        this.epochReads = new EpochReads(link, epochKey);
        link.onFailure(() -> deaf(WRITE_FAILED));
    }

    void register(String name, TieredTier cache) {
        caches.put(name, cache);
        startWatchdog();
    }

    void unregister(String name, TieredTier cache) {
        caches.remove(name, cache);
    }

    void onApplied(LongConsumer listener) {
        this.onApplied = listener;
    }

    /** @return whether this instance hears invalidations, so its tiered caches may use their tiers */
    boolean listening() {
        return listening;
    }

    /** @return why the instance is deaf, or {@code "listening"} */
    String state() {
        return listening ? "listening" : deafReason;
    }

    /**
     * Whether a local entry this caller found may be served: listening, and every invalidation published before
     * this call (the epoch read now) applied here. The caller must check the entry is still in the local tier
     * afterwards, since the invalidation that removes it may have been applied during this call.
     *
     * @return {@code true} to serve the local entry; {@code false} to read Redis instead
     */
    boolean confirmsLocalTier() {
        if (!listening) {
            return false;
        }
        long epoch = epoch();
        return epoch > 0 && listening && applied.get() >= epoch;
    }

    /**
     * @return the epoch in Redis now (a GET sent after this call began, shared with concurrent callers), which every invalidation that returned before this call has reached
     *     or passed; {@code -1} if Redis did not answer or holds none
     */
    long epoch() {
        byte[] reply = epochReads.read();
        return reply == null || reply.length == 0 ? -1 : parse(reply);
    }

    private static long parse(byte[] digits) {
        long value = 0;
        for (byte digit : digits) {
            if (digit < '0' || digit > '9') {
                return Long.MAX_VALUE; // not an epoch this code wrote: never confirms
            }
            value = value * 10 + (digit - '0');
        }
        return value;
    }

    /** Stops serving from the tiers at once; the watchdog gets the instance back when Redis answers. */
    void deaf(String reason) {
        synchronized (stateLock) {
            if (closed) {
                return;
            }
            losses++;
            mustFence = true;
            if (!reason.equals(WRITE_FAILED)) {
                lastUnanswered = System.nanoTime();
                mustSettle = true;
            }
            deafReason = reason;
            if (listening) {
                listening = false;
                LOG.atWarn().setMessage("cache invalidations not heard: local tiers bypassed")
                        .addKeyValue("channel", channel).addKeyValue("reason", reason).log();
            }
        }
        wake.release();
    }

    /**
     * Starts the watchdog with the first tiered cache; that first caller subscribes and resyncs itself (bounded by
     * the connect and command timeouts), so a cache is listening when {@code tiered(...)} returns with Redis up.
     */
    private void startWatchdog() {
        synchronized (stateLock) {
            if (started || closed) {
                return;
            }
            started = true;
        }
        subscribe();
        if (subscription != null && subscribed) {
            resync();
        }
        Thread.ofVirtual().name("weft-cache-invalidations-" + link.config().namespace()).start(this::watch);
    }

    /** Subscribes, pings, and resyncs after a loss; never on a caller's path. */
    private void watch() {
        while (!closed) {
            try {
                StatefulRedisPubSubConnection<String, String> connection = subscription;
                if (connection == null) {
                    subscribe();
                } else if (!ping(connection)) {
                    lastUnanswered = System.nanoTime();
                    // two in a row: one late PONG on a loaded machine is not a hung Redis
                    if (++unansweredPings >= 2 && listening) {
                        deaf("subscription ping unanswered");
                    }
                } else {
                    unansweredPings = 0;
                    if (!listening && subscribed
                            && (!mustSettle || System.nanoTime() - lastUnanswered >= SETTLE.toNanos())) {
                        resync();
                    }
                }
            } catch (RuntimeException e) {
                LOG.atDebug().setMessage("invalidation watchdog step failed").addKeyValue("channel", channel)
                        .addKeyValue("error.type", e.getClass().getSimpleName()).log();
            }
            try {
                wake.tryAcquire((listening ? PING_INTERVAL : DEAF_RETRY).toMillis(), TimeUnit.MILLISECONDS);
                wake.drainPermits();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private void subscribe() {
        StatefulRedisPubSubConnection<String, String> connection = null;
        try {
            connection = link.client().connectPubSub(StringCodec.UTF8);
            connection.addListener(new RedisPubSubAdapter<>() {
                @Override
                public void message(String from, String message) {
                    apply(message);
                }

                @Override
                public void subscribed(String from, long count) {
                    subscribed = true; // also after Lettuce resubscribed by itself on a reconnect
                    wake.release();
                }
            });
            connection.addListener(new RedisConnectionStateListener() {
                @Override
                public void onRedisDisconnected(RedisChannelHandler<?, ?> handler) {
                    // messages published meanwhile are lost for good: start over from a new baseline
                    subscribed = false;
                    applied.set(0);
                    deaf("subscription connection lost");
                }
            });
            connection.sync().subscribe(channel);
            subscribed = true; // confirmed by the reply
            subscription = connection;
            connection = null;
        } catch (RuntimeException e) {
            if (connection != null) {
                connection.closeAsync(); // a connection that could not subscribe must not leak
            }
            if (!deafReason.equals("cannot subscribe")) {
                LOG.atWarn().setMessage("cannot subscribe to cache invalidations; will retry")
                        .addKeyValue("channel", channel).addKeyValue("error.type", e.getClass().getSimpleName()).log();
            }
            deafReason = "cannot subscribe";
        }
    }

    private boolean ping(StatefulRedisPubSubConnection<String, String> connection) {
        if (!connection.isOpen()) {
            return false;
        }
        try {
            connection.async().ping().get(link.config().commandTimeout().toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * Gets a deaf instance back: fences (after a loss), clears the local tiers, takes the epoch as baseline, then
     * listens, unless another loss happened meanwhile.
     */
    private void resync() {
        long lossesAtStart;
        boolean fence;
        synchronized (stateLock) {
            lossesAtStart = losses;
            fence = mustFence;
        }
        if (fence) {
            for (TieredTier cache : caches.values()) {
                if (!cache.fence()) {
                    return;
                }
            }
        }
        caches.values().forEach(cache -> cache.local().clear());
        @Nullable Long baseline = link.callAlways(redis -> (Long) link.script(redis, BASELINE, ScriptOutputType.INTEGER,
                new String[] {epochKey}), () -> null, () -> { });
        if (baseline == null) {
            return;
        }
        applied.accumulateAndGet(baseline, Math::max);
        synchronized (stateLock) {
            if (losses != lossesAtStart || closed) {
                return;
            }
            mustFence = false;
            mustSettle = false;
            listening = true;
        }
        LOG.atInfo().setMessage("cache invalidations heard: local tiers in use").addKeyValue("channel", channel)
                .addKeyValue("fenced", fence).log();
    }

    private void apply(String message) {
        String[] parts = message.split("\\|", 5);
        if (parts.length < 4) {
            return;
        }
        long epoch;
        try {
            epoch = Long.parseLong(parts[0]);
        } catch (NumberFormatException e) {
            return; // not from this version of weft
        }
        boolean remote = !parts[1].equals(origin);
        TieredTier cache = caches.get(parts[2]);
        if (remote && cache != null) {
            String argument = parts.length == 5 ? parts[4] : "";
            switch (parts[3]) {
                case "k" -> cache.local().invalidate(argument);
                case "t" -> cache.local().observeTagInvalidated(argument);
                case "p" -> cache.local().invalidateTags(argument);
                case "a" -> cache.local().clear();
                default -> LOG.atDebug().setMessage("unknown invalidation").addKeyValue("kind", parts[3]).log();
            }
        }
        // after the invalidation itself: a reader that sees this epoch applied finds the entry gone
        applied.accumulateAndGet(epoch, Math::max);
        if (remote && cache != null) {
            onApplied.accept(System.nanoTime());
        }
    }

    /**
     * Invalidates in Redis and tells the other instances in one script ({@link #INVALIDATE}).
     *
     * @param redisKey the Redis tier's key to change: a tag's version key ({@code incr}) or an entry key ({@code del})
     * @param tagged whether {@code redisKey} is a tag version to INCR (else an entry to DEL)
     * @param leaseBase for an entry, its lease key without the generation ({@link RedisTier#leaseBase}), deleted with
     *     it so that a load running now does not write the value it read before ({@link RedisTier#DROP_LEASE})
     * @param generationKey the generation tag's key ({@link RedisTier#generationKey}), or empty
     * @return whether Redis took it (epoch advanced, message published); {@code false} may still have happened
     */
    boolean invalidate(String cache, boolean tagged, String argument, String redisKey, String leaseBase,
            String generationKey, Runnable onError) {
        byte[] message = RedisLink.bytes(origin + "|" + cache + "|" + (tagged ? "t" : "k") + "|" + argument);
        @Nullable Long epoch = link.callAlways(redis -> (Long) link.script(redis, INVALIDATE, ScriptOutputType.INTEGER,
                new String[] {epochKey, redisKey}, RedisLink.bytes(channel), message,
                RedisLink.bytes(tagged ? "incr" : "del"), RedisLink.bytes(leaseBase),
                RedisLink.bytes(generationKey)), () -> null, onError);
        return epoch != null;
    }

    /** @return whether it was published */
    boolean publishKey(String cache, String key) {
        return publish(cache, "k", key);
    }

    /** @return whether it was published */
    boolean publishPattern(String cache, String pattern) {
        return publish(cache, "p", pattern);
    }

    /** @return whether it was published */
    boolean publishClear(String cache) {
        return publish(cache, "a", "");
    }

    /** @return whether the invalidation was published (and the epoch advanced); the caller logs a failure */
    private boolean publish(String cache, String kind, String argument) {
        byte[] message = RedisLink.bytes(origin + "|" + cache + "|" + kind + "|" + argument);
        @Nullable Long epoch = link.callAlways(redis -> (Long) link.script(redis, PUBLISH, ScriptOutputType.INTEGER,
                new String[] {epochKey}, RedisLink.bytes(channel), message), () -> null, () -> { });
        return epoch != null;
    }

    @Override
    public void close() {
        synchronized (stateLock) {
            closed = true;
            listening = false;
        }
        wake.release();
        StatefulRedisPubSubConnection<String, String> connection = subscription;
        if (connection != null) {
            connection.closeAsync().orTimeout(2, TimeUnit.SECONDS);
        }
    }
}
