package dev.weft.cache.redis;

import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SetArgs;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * One instance's claim on loading a key, so that instances sharing Redis load it once: {@code SET NX PX} of a random
 * token, renewed at a third of the lease time while the load runs, released by compare-and-delete (a lease that
 * expired and was taken by another instance is never deleted by its former holder). Used by {@link RedisTier}.
 * Thread-safe; each call costs at most the command timeout, and a Redis failure counts in {@code onError}.
 */
final class LoadLease {
    /** What {@link #take()} found. */
    enum Taken {
        /** This caller holds the lease now. */
        TAKEN,
        /** Another instance holds it. */
        HELD,
        /** Redis did not answer. */
        DOWN
    }

    private static final String RELEASE = """
            if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
            return 0
            """;
    private static final String RENEW = """
            if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
            return 0
            """;

    private final RedisLink link;
    private final String leaseKey;
    private final String cacheName;
    private final Runnable onError;
    private final byte[] token = RedisLink.bytes(UUID.randomUUID().toString());

    /**
     * @param link the connection
     * @param leaseKey the lease's Redis key
     * @param cacheName the cache's name, for the renewing thread's name
     * @param onError counts a failed Redis call in the tier
     */
    LoadLease(RedisLink link, String leaseKey, String cacheName, Runnable onError) {
        this.link = link;
        this.leaseKey = leaseKey;
        this.cacheName = cacheName;
        this.onError = onError;
    }

    /** @return the lease's Redis key */
    String key() {
        return leaseKey;
    }

    /** @return the token this caller's lease holds while it is this caller's */
    byte[] token() {
        return token.clone();
    }

    /** @return whether this caller took the lease, another instance holds it, or Redis did not answer */
    Taken take() {
        String reply = link.call(redis -> {
            String set = redis.set(leaseKey, token, SetArgs.Builder.nx().px(link.config().leaseTime().toMillis()));
            return set == null ? "HELD" : set;
        }, () -> "DOWN", onError);
        return switch (reply) {
            case "OK" -> Taken.TAKEN;
            case "HELD" -> Taken.HELD;
            default -> Taken.DOWN;
        };
    }

    /**
     * Frees the lease if this caller still holds it, also on a thread interrupted meanwhile (a cancelled request):
     * RedisLink answers a read on an interrupted thread without asking Redis, and a lease left behind stalls every
     * instance's load of the key for the whole lease time.
     */
    void release() {
        uninterrupted(() -> link.call(redis -> link.script(redis, RELEASE, ScriptOutputType.INTEGER,
                new String[] {leaseKey}, token), () -> null, onError));
    }

    /**
     * Runs a Redis call the caller's cancellation must not skip, with the thread's interrupt flag cleared and set
     * again after (the call stays bounded by the command timeout).
     *
     * @param call the call
     */
    static void uninterrupted(Runnable call) {
        boolean interrupted = Thread.interrupted();
        try {
            call.run();
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Keeps the lease alive on a virtual thread until {@code done} is counted down (not interrupted: that could cut a
     * Redis call short and count as a Redis failure).
     *
     * @param done counted down when the load is over
     */
    void renewUntil(CountDownLatch done) {
        Thread.ofVirtual().name("weft-cache-lease-" + cacheName).start(() -> {
            Duration lease = link.config().leaseTime();
            byte[] millis = RedisLink.bytes(lease);
            try {
                while (!done.await(Math.max(1, lease.toMillis() / 3), TimeUnit.MILLISECONDS)) {
                    link.call(redis -> link.script(redis, RENEW, ScriptOutputType.INTEGER, new String[] {leaseKey},
                            token, millis), () -> null, onError);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
    }
}
