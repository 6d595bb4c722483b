package dev.weft.service.webhooks;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * The sender's own limit on attempts in flight to one receiving host ({@code host:port}), and on one user's share
 * of it: a user's deliveries to a host may hold at most {@code perUser} of its {@code perHost} connections, so one
 * user's slow or dead receivers can never take every connection to a host that other users' receivers share (many
 * users' hooks on one integration platform's host is normal).
 *
 * <p>An attempt takes its user's share at once or not at all, and waits at most a short, bounded time for the host's
 * permit ({@link #enter}); one that gets neither is not sent, and the worker defers it: weft's own limit being full
 * says nothing about the receiver. Waiting a little for the host keeps a burst to a fast receiver flowing without a
 * database write per turn; never waiting for the user's share keeps one user's backlog to a slow host from holding
 * the worker's slots that other users' deliveries need.
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

    /** What {@link #enter} came to: a pass, or which limit was full. */
    sealed interface Entry {
    }

    /** Both limits had room: send, then close the pass. */
    record Admitted(Pass pass) implements Entry {
    }

    /**
     * The user's own share of the host is taken by the user's attempts in flight: refused at once, without waiting,
     * so a user's backlog to a slow host never holds the worker's slots that other users' deliveries need.
     */
    record UserShareFull() implements Entry {
    }

    /** The host's connections stayed taken (by several users) for the whole wait. */
    record HostFull() implements Entry {
    }

    /**
     * Takes the user's share of the host without waiting, then a permit of the host, waiting at most
     * {@code maxWait} for it.
     *
     * @param authority the receiver's {@code host:port}
     * @param userId the owner of the delivery
     * @param maxWait the longest to wait for the host's permit
     * @return the pass to close after the attempt, or which limit was full
     */
    Entry enter(String authority, long userId, Duration maxWait) {
        String userKey = authority + "#" + userId;
        Counted user = retain(userKey, perUser);
        if (!user.permits.tryAcquire()) {
            release(userKey, user);
            return new UserShareFull();
        }
        Counted host = retain(authority, perHost);
        try {
            if (host.permits.tryAcquire(maxWait.toNanos(), TimeUnit.NANOSECONDS)) {
                return new Admitted(() -> {
                    host.permits.release();
                    user.permits.release();
                    release(authority, host);
                    release(userKey, user);
                });
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        user.permits.release();
        release(authority, host);
        release(userKey, user);
        return new HostFull();
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
