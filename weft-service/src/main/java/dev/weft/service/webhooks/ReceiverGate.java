package dev.weft.service.webhooks;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * The sender's own limit on attempts in flight to one receiving host ({@code host:port}), and on one user's share
 * of it: a user's deliveries to a host may hold at most {@code perUser} of its {@code perHost} connections, so one
 * user's slow or dead receivers can never take every connection to a host that other users' receivers share (many
 * users' hooks on one integration platform's host is normal).
 *
 * <p>An attempt waits at most a short, bounded time for its permits ({@link #enter}); one that gets none is not
 * sent, and the worker defers it: weft's own limit being full says nothing about the receiver. Waiting a little keeps
 * a burst to a fast receiver flowing without a database write per turn; waiting briefly, not for a whole attempt's
 * time, keeps waiters from holding the worker's slots that deliveries to other hosts need.
 *
 * <p>Only hosts with attempts in flight or waiting have an entry, so user input cannot grow it without bound.
 *
 * <p>Thread-safe.
 */
final class ReceiverGate {
    private final int perHost;
    private final int perUser;
    private final Map<String, Counted> gates = new ConcurrentHashMap<>();

    /** A semaphore with the number of attempts holding or waiting for it, so an unused one can be dropped. */
    private static final class Counted {
        final Semaphore permits;
        int users;

        Counted(int permits) {
            this.permits = new Semaphore(permits, true);
        }
    }

    /** What {@link #enter} hands out; {@link #close()} gives both permits back. */
    interface Pass extends AutoCloseable {
        @Override
        void close();
    }

    ReceiverGate(int perHost, int perUser) {
        if (perUser < 1 || perUser > perHost) {
            throw new IllegalArgumentException("perUser must be 1.." + perHost + ": " + perUser);
        }
        this.perHost = perHost;
        this.perUser = perUser;
    }

    /**
     * Takes the user's share of the host, then a permit of the host, each waiting at most what is left of
     * {@code maxWait}.
     *
     * @param authority the receiver's {@code host:port}
     * @param userId the owner of the delivery
     * @return the pass to close after the attempt, or empty if either limit stayed full
     */
    Optional<Pass> enter(String authority, long userId, Duration maxWait) {
        long deadline = System.nanoTime() + maxWait.toNanos();
        String userKey = authority + "#" + userId;
        Counted user = retain(userKey, perUser);
        Counted host = retain(authority, perHost);
        boolean userTaken = false;
        try {
            userTaken = user.permits.tryAcquire(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (userTaken
                    && host.permits.tryAcquire(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                return Optional.of(() -> {
                    host.permits.release();
                    user.permits.release();
                    release(authority, host);
                    release(userKey, user);
                });
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (userTaken) {
            user.permits.release();
        }
        release(authority, host);
        release(userKey, user);
        return Optional.empty();
    }

    /** @return how many hosts and user shares have attempts in flight or waiting (for tests) */
    int size() {
        return gates.size();
    }

    private Counted retain(String key, int permits) {
        return gates.compute(key, (k, existing) -> {
            Counted gate = existing == null ? new Counted(permits) : existing;
            gate.users++;
            return gate;
        });
    }

    private void release(String key, Counted gate) {
        gates.computeIfPresent(key, (k, existing) -> existing == gate && --existing.users == 0 ? null : existing);
    }
}
