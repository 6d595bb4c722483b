package dev.weft.cache.redis;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one Redis connection of a process (Lettuce, sync API on virtual threads) and its owner: the caches of
 * {@link RedisCaches} use it behind a circuit breaker, and it hands the same connection to the other users of that
 * Redis ({@link #bucketStore(String)} for shared token buckets), so a process holds one Redis client, not one per
 * feature. Every cache call either succeeds or returns its fallback: a Redis outage never reaches the cache's caller.
 * The connection is opened lazily and again after a failed attempt, so a process can start while Redis is down; once
 * open, Lettuce reconnects it by itself, and commands fail at once while it is disconnected.
 *
 * <p>Get one from {@link RedisCaches#link()} when the process has Redis caches, else {@link #open(RedisConfig)}.
 *
 * <p>Thread-safe: Lettuce multiplexes one connection across threads.
 */
public final class RedisLink implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RedisCaches.class);
    /**
     * The longest gap between Lettuce's reconnect attempts (it backs off from 10 ms): a connection is open again at
     * most this long (plus its handshake) after Redis answers. The invalidation bus waits longer than this after an
     * outage before serving from its tiers ({@link InvalidationBus#SETTLE}).
     */
    static final Duration RECONNECT_DELAY_CAP = Duration.ofSeconds(1);
    static final RedisCodec<String, byte[]> CODEC = RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE);

    private final RedisConfig config;
    private final io.lettuce.core.resource.ClientResources resources;
    private final RedisClient client;
    private final CircuitBreaker breaker;
    private final ReentrantLock connectLock = new ReentrantLock();
    private final Map<String, String> scriptShas = new ConcurrentHashMap<>();
    private volatile @Nullable StatefulRedisConnection<String, byte[]> connection;
    private volatile boolean closed;
    private volatile long lastConnectFailure = System.nanoTime() - TimeUnit.DAYS.toNanos(1);
    /** Told of every failed write (see {@link #callAlways}): the invalidation bus stops trusting the tiers at once. */
    private final List<Runnable> failureListeners = new CopyOnWriteArrayList<>();

    /** Only one background connection attempt at a time (see {@link #connectInBackground()}). */
    private final java.util.concurrent.atomic.AtomicBoolean connecting = new java.util.concurrent.atomic.AtomicBoolean();
    private volatile long lastBackgroundConnect = System.nanoTime() - TimeUnit.DAYS.toNanos(1);

    /**
     * Creates the owner of a Redis connection; connects on first use, so this never fails because Redis is down.
     *
     * @param config the Redis URL and timeouts
     * @return the connection's owner; close it when done (closing it closes every store it handed out)
     */
    public static RedisLink open(RedisConfig config) {
        return new RedisLink(java.util.Objects.requireNonNull(config, "config"));
    }

    private RedisLink(RedisConfig config) {
        this.config = config;
        RedisURI uri = RedisURI.create(config.url().reveal());
        // The URI's timeout bounds the connection handshake (HELLO, AUTH, SELECT); commands get CommandTimeouts. A
        // handshake under load can outlast a command timeout, and then no connection would ever open.
        uri.setTimeout(config.connectTimeout());
        // Reconnect quickly after an outage: back off from 10 ms to at most 1 s (Lettuce's default reaches 30 s).
        this.resources = io.lettuce.core.resource.DefaultClientResources.builder()
                .reconnectDelay(io.lettuce.core.resource.Delay.exponential(Duration.ofMillis(10), RECONNECT_DELAY_CAP,
                        2, TimeUnit.MILLISECONDS))
                .build();
        this.client = RedisClient.create(resources, uri);
        client.setOptions(ClientOptions.builder()
                .autoReconnect(true)
                // Fail at once while disconnected instead of queueing: an outage must cost nothing per call.
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .timeoutOptions(TimeoutOptions.builder().timeoutSource(new CommandTimeouts(config)).build())
                .socketOptions(SocketOptions.builder().connectTimeout(config.connectTimeout()).keepAlive(true).build())
                .build());
        this.breaker = CircuitBreaker.of("redis-" + config.namespace(), CircuitBreakerConfig.custom()
                .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                .slidingWindowSize(20)
                .minimumNumberOfCalls(5)
                .failureRateThreshold(50)
                .waitDurationInOpenState(config.breakerOpenTime())
                .permittedNumberOfCallsInHalfOpenState(2)
                .build());
    }

    RedisClient client() {
        return client;
    }

    /** @return the config, password redacted in its {@code toString} */
    public RedisConfig config() {
        return config;
    }

    /**
     * Shared token buckets on this connection, for {@code dev.weft.core.ratelimit.TokenBuckets#shared}: Bucket4j's
     * compare-and-swap buckets at {@code <prefix><key>}, each command bounded by the command timeout, expiring once
     * full again. Tries to connect now (at most the connect timeout) so that the limit is shared from the first call;
     * if Redis cannot be reached it keeps trying in the background, at most once a second.
     *
     * @param prefix the start of every bucket's Redis key, e.g. {@code weft:rate:}
     * @return the store; it lives as long as this link
     */
    public dev.weft.core.ratelimit.BucketStore bucketStore(String prefix) {
        RedisBucketStore store = new RedisBucketStore(this, java.util.Objects.requireNonNull(prefix, "prefix"));
        if (!closed && connection == null) {
            try {
                commands();
            } catch (RuntimeException e) {
                LOG.atWarn().setMessage("redis not reachable for the shared token buckets; limiting per instance until"
                        + " it is").addKeyValue("namespace", config.namespace())
                        .addKeyValue("error.type", e.getClass().getSimpleName()).log();
            }
        }
        if (openConnection() != null) {
            store.warmUp();
        }
        return store;
    }

    /** @return the connection if it is open now, else {@code null}; never connects */
    @Nullable StatefulRedisConnection<String, byte[]> openConnection() {
        StatefulRedisConnection<String, byte[]> open = connection;
        return !closed && open != null && open.isOpen() ? open : null;
    }

    /**
     * Opens the connection on a virtual thread, unless it is open, being opened, or was tried less than a second ago:
     * for callers that must not wait for a connect (once open, Lettuce reconnects it itself).
     */
    void connectInBackground() {
        if (closed || connection != null || System.nanoTime() - lastBackgroundConnect < TimeUnit.SECONDS.toNanos(1)
                || !connecting.compareAndSet(false, true)) {
            return;
        }
        lastBackgroundConnect = System.nanoTime();
        Thread.ofVirtual().name("weft-redis-connect-" + config.namespace()).start(() -> {
            try {
                commands();
            } catch (RuntimeException e) {
                LOG.atDebug().setMessage("redis connect failed").addKeyValue("namespace", config.namespace())
                        .addKeyValue("error.type", e.getClass().getSimpleName()).log();
            } finally {
                connecting.set(false);
            }
        });
    }

    CircuitBreaker breaker() {
        return breaker;
    }

    /** @param listener run (on the failing caller's thread; must not block) after every failed {@link #callAlways} */
    void onFailure(Runnable listener) {
        failureListeners.add(listener);
    }

    /**
     * Per-command timeouts: every command gets the short command timeout, so a hung Redis costs a caller
     * milliseconds; only the cursor walks of {@code clear()} and {@code invalidateTags()} get at least a second.
     */
    private static final class CommandTimeouts extends TimeoutOptions.TimeoutSource {
        private final long commandMillis;
        private final long bulkMillis;

        CommandTimeouts(RedisConfig config) {
            this.commandMillis = config.commandTimeout().toMillis();
            this.bulkMillis = Math.max(commandMillis, BULK_TIMEOUT.toMillis());
        }

        @Override
        public long getTimeout(io.lettuce.core.protocol.RedisCommand<?, ?, ?> command) {
            io.lettuce.core.protocol.ProtocolKeyword type = command.getType();
            return type == io.lettuce.core.protocol.CommandType.SCAN || type == io.lettuce.core.protocol.CommandType.UNLINK
                    ? bulkMillis : commandMillis;
        }
    }

    /** The least time a SCAN or UNLINK page gets, however short the command timeout. */
    static final Duration BULK_TIMEOUT = Duration.ofSeconds(1);

    /**
     * Runs one Redis call through the breaker.
     *
     * @param call the call, on the sync commands
     * @param fallback what to return when Redis is down, slow or refused by the breaker
     * @param onError counts the failure in the calling tier
     * @return the call's result or the fallback
     */
    <T extends @Nullable Object> T call(Function<RedisCommands<String, byte[]>, T> call, Supplier<T> fallback, Runnable onError) {
        if (closed || !breaker.tryAcquirePermission()) {
            onError.run();
            return fallback.get();
        }
        return attempt(call, fallback, onError, false);
    }

    /**
     * Runs a write that others depend on (an invalidation, its publication, a put replacing a value) even while the
     * breaker is open: skipping it while Redis answers would leave other instances serving what it replaced. It
     * still costs at most the command timeout, fails at once while disconnected, and counts in the breaker.
     */
    <T extends @Nullable Object> T callAlways(Function<RedisCommands<String, byte[]>, T> call, Supplier<T> fallback, Runnable onError) {
        if (closed) {
            onError.run();
            failureListeners.forEach(Runnable::run);
            return fallback.get();
        }
        return attempt(call, fallback, onError, true);
    }

    /**
     * Runs a call for a caller whose thread may be interrupted (a cancelled request): Lettuce would fail its command at
     * once, and counted as a Redis failure a few cancelled requests opened the breaker for every caller, and one
     * cancelled put made the instance deaf, so that every tiered cache fenced its entries on all instances. So a read
     * on an interrupted thread is a miss without asking Redis, and a write others depend on runs with the flag
     * cleared (bounded by the command timeout, as every call) and set again after; neither counts in the breaker.
     *
     * @param write whether a failure may have lost a write others depend on: then the failure listeners hear
     */
    private <T> T attempt(Function<RedisCommands<String, byte[]>, T> call, Supplier<T> fallback, Runnable onError,
            boolean write) {
        if (!write && Thread.currentThread().isInterrupted()) {
            breaker.releasePermission(); // call() took one; callAlways() takes none
            return fallback.get();
        }
        boolean interrupted = write && Thread.interrupted();
        try {
            return attempt(call, fallback, onError, write, System.nanoTime());
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private <T> T attempt(Function<RedisCommands<String, byte[]>, T> call, Supplier<T> fallback, Runnable onError,
            boolean write, long start) {
        try {
            T result = call.apply(commands());
            breaker.onSuccess(System.nanoTime() - start, TimeUnit.NANOSECONDS);
            return result;
        } catch (RuntimeException e) {
            if (cancelled(e)) {
                // interrupted while waiting for the reply: says nothing about Redis, but a write may be lost.
                // Only call() took a permission: releasing one never taken lets an extra probe through half-open
                if (!write) {
                    breaker.releasePermission();
                }
                if (write) {
                    failureListeners.forEach(Runnable::run);
                }
                return fallback.get();
            }
            String refusal = refusal(e);
            if ("WRONGTYPE".equals(refusal)) {
                // One key holds another type (something else wrote it): Redis answers, and opening the breaker
                // would turn every other key of every cache into a miss.
                if (!write) {
                    breaker.releasePermission();
                }
            } else {
                breaker.onError(System.nanoTime() - start, TimeUnit.NANOSECONDS, e);
            }
            onError.run();
            if (write) {
                failureListeners.forEach(Runnable::run);
            }
            if (refusal != null) {
                refused(refusal);
            }
            LOG.atDebug().setMessage("redis call failed").addKeyValue("namespace", config.namespace())
                    .addKeyValue("error.type", e.getClass().getSimpleName()).log();
            return fallback.get();
        }
    }

    /** @return whether {@code failure} is the calling thread's interruption rather than Redis's failure */
    private static boolean cancelled(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof io.lettuce.core.RedisCommandInterruptedException
                    || cause instanceof InterruptedException) {
                return true;
            }
            if (cause.getCause() == cause) {
                break;
            }
        }
        return false;
    }

    /** The least time between two lines about Redis refusing calls with the same error code. */
    static final Duration REFUSAL_LOG_INTERVAL = Duration.ofSeconds(10);
    private static final java.util.regex.Pattern ERROR_CODE = java.util.regex.Pattern.compile("[A-Z][A-Z_]{1,31}");
    /** When each error code was last logged (nanoTime); the codes are Redis's few upper-case words. */
    private final Map<String, Long> refusalsLogged = new ConcurrentHashMap<>();

    /**
     * @return Redis's error code ({@code WRONGPASS}, {@code NOAUTH}, {@code OOM}, {@code WRONGTYPE}, {@code READONLY},
     *     ...) if Redis answered the call, or the connection's handshake, with an error; else {@code null}
     */
    static @Nullable String refusal(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof io.lettuce.core.RedisCommandExecutionException refused) {
                String message = refused.getMessage() == null ? "" : refused.getMessage().strip();
                int space = message.indexOf(' ');
                String code = space < 0 ? message : message.substring(0, space);
                // only the code: the rest of a Redis error may quote what was sent
                return ERROR_CODE.matcher(code).matches() ? code : "ERR";
            }
            if (cause.getCause() == cause) {
                break;
            }
        }
        return null;
    }

    /**
     * Logs at WARN, at most once per {@link #REFUSAL_LOG_INTERVAL} per code, that Redis refused a call: unlike an
     * outage this needs someone to act (a wrong password, a full Redis, a replica), and the dropped-write line alone
     * cannot tell them apart.
     */
    private void refused(String code) {
        long now = System.nanoTime();
        boolean[] due = new boolean[1];
        refusalsLogged.compute(code, (unused, last) -> {
            due[0] = last == null || now - last >= REFUSAL_LOG_INTERVAL.toNanos();
            return due[0] ? Long.valueOf(now) : last;
        });
        if (due[0]) {
            LOG.atWarn().setMessage("redis refused a call; the cache misses and drops writes while it does (logged at"
                    + " most every " + REFUSAL_LOG_INTERVAL.toSeconds() + " s per error code)")
                    .addKeyValue("namespace", config.namespace()).addKeyValue("error.code", code).log();
        }
    }

    /**
     * A GET sent without blocking, through the breaker, for {@link EpochReads}; completes with {@code null} when the
     * key is absent and exceptionally when Redis failed or the breaker refused. Callbacks must not block: they run on
     * Lettuce's event loop.
     */
    java.util.concurrent.CompletableFuture<byte @Nullable []> getAsync(String key) {
        StatefulRedisConnection<String, byte[]> open = connection;
        if (closed || open == null) {
            // no connection yet: open it on this caller's thread, as every other call does
            byte[] value = call(redis -> redis.get(key), () -> null, () -> { });
            return java.util.concurrent.CompletableFuture.completedFuture(value);
        }
        if (!breaker.tryAcquirePermission()) {
            return java.util.concurrent.CompletableFuture.failedFuture(
                    new io.lettuce.core.RedisException("redis circuit breaker open"));
        }
        long start = System.nanoTime();
        java.util.concurrent.CompletableFuture<byte @Nullable []> result = new java.util.concurrent.CompletableFuture<>();
        open.async().get(key).whenComplete((value, error) -> {
            if (error == null) {
                breaker.onSuccess(System.nanoTime() - start, TimeUnit.NANOSECONDS);
                result.complete(value);
            } else {
                breaker.onError(System.nanoTime() - start, TimeUnit.NANOSECONDS, error);
                result.completeExceptionally(error);
            }
        });
        return result;
    }

    private RedisCommands<String, byte[]> commands() {
        StatefulRedisConnection<String, byte[]> open = connection;
        if (open != null) {
            return open.sync();
        }
        connectLock.lock();
        try {
            if (connection == null) {
                // Callers queued behind a failed attempt fail at once instead of each waiting a connect timeout.
                if (System.nanoTime() - lastConnectFailure < config.connectTimeout().toNanos()) {
                    throw new io.lettuce.core.RedisConnectionException("redis connect failed moments ago");
                }
                try {
                    connection = client.connect(CODEC);
                } catch (RuntimeException e) {
                    lastConnectFailure = System.nanoTime();
                    throw e;
                }
                LOG.atInfo().setMessage("redis connected").addKeyValue("namespace", config.namespace())
                        .addKeyValue("url.full", config.redactedUrl()).log();
            }
            return connection.sync();
        } finally {
            connectLock.unlock();
        }
    }

    /** Runs a Lua script by its SHA, loading it on first use or after Redis lost its script cache. */
    @Nullable Object script(RedisCommands<String, byte[]> redis, String source, ScriptOutputType output,
            String[] keys, byte[]... args) {
        String sha = scriptShas.computeIfAbsent(source, unused -> redis.scriptLoad(source));
        try {
            return redis.evalsha(sha, output, keys, args);
        } catch (RedisNoScriptException e) {
            scriptShas.put(source, redis.scriptLoad(source));
            return redis.evalsha(scriptShas.get(source), output, keys, args);
        }
    }

    static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    static byte[] bytes(Duration duration) {
        return bytes(Long.toString(Math.max(1, duration.toMillis())));
    }

    /** Closes the connection and the client; every cache and store on it fails over to its fallback. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        StatefulRedisConnection<String, byte[]> open = connection;
        if (open != null) {
            open.close();
        }
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        resources.shutdown(0, 2, TimeUnit.SECONDS);
    }
}
