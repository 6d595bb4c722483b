package dev.weft.cache.redis;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;

/**
 * Reads the invalidation epoch for many concurrent callers with few round trips, like a group commit: at most one GET
 * is in flight; callers arriving meanwhile join the next one, which is sent as soon as the current one answers. A
 * caller therefore always gets a value read by a GET sent after it arrived (which is what makes the epoch cover every
 * write that returned before), at the cost of up to two round trips instead of one, and N concurrent local hits cost
 * about two GETs instead of N.
 *
 * <p>Thread-safe; nothing here blocks Lettuce's event loop (callbacks only complete futures and send the next GET).
 */
final class EpochReads {
    /** Callers that want the next GET's answer. */
    private static final class Round {
        final CompletableFuture<byte @Nullable []> answer = new CompletableFuture<>();
    }

    private final RedisLink link;
    private final String key;
    private final long waitNanos;
    private final Object lock = new Object();
    private @Nullable Round next; // guarded by lock: joined by callers while a GET is in flight
    private boolean inFlight; // guarded by lock

    EpochReads(RedisLink link, String key) {
        this.link = link;
        this.key = key;
        // the GET's own timeout plus a margin for the round queued behind it
        this.waitNanos = link.config().commandTimeout().multipliedBy(2).toNanos();
    }

    /**
     * @return the epoch's digits, read by a GET sent after this call began; {@code null} if absent or Redis did not
     *     answer in time
     */
    byte @Nullable [] read() {
        Round round;
        synchronized (lock) {
            if (next == null) {
                next = new Round();
            }
            round = next;
            if (!inFlight) {
                inFlight = true;
                next = null;
                send(round);
            }
        }
        try {
            return round.answer.get(waitNanos, TimeUnit.NANOSECONDS);
        } catch (ExecutionException | TimeoutException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /** Sends one GET for {@code round}; when it answers, sends the round that gathered meanwhile, if any. */
    private void send(Round round) {
        CompletableFuture<byte @Nullable []> get;
        try {
            get = link.getAsync(key);
        } catch (RuntimeException e) {
            get = CompletableFuture.failedFuture(e);
        }
        get.whenComplete((value, error) -> {
            Round following;
            synchronized (lock) {
                following = next;
                next = null;
                inFlight = following != null;
            }
            if (error == null) {
                round.answer.complete(value);
            } else {
                round.answer.completeExceptionally(error);
            }
            if (following != null) {
                send(following);
            }
        });
    }
}
