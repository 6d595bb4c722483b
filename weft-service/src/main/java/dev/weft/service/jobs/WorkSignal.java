package dev.weft.service.jobs;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;

/**
 * Where idle workers and polling steps wait, and which worker looks for work while the queue is empty.
 *
 * <p>While jobs are found, every free worker claims at once. Once a claim finds the queue empty (or fails: the
 * database is away), the queue counts as empty for one idle poll, and after it exactly one worker, the first to take
 * the turn, claims again; the others wait. So an idle instance sends one claim per idle poll, not one per worker
 * (16 a second with the defaults: about a third of an idle service's CPU, and most of its database load). A claim that
 * finds a job after that, or a job submitted here ({@link #wakeUp()}), ends the empty spell and wakes every worker,
 * so a backlog another instance left is taken up by all of them at once. A stop wakes everyone too.
 *
 * <p>Thread-safe.
 */
final class WorkSignal {
    /** {@link #emptyUntil}'s value while the queue is not known to be empty. */
    private static final long NOT_EMPTY = Long.MIN_VALUE;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition signal = lock.newCondition();
    /** {@link System#nanoTime()} at which the next claim of an empty spell is due; {@link #NOT_EMPTY} outside one. */
    private final AtomicLong emptyUntil = new AtomicLong(NOT_EMPTY);

    /** Ends an empty spell and wakes every waiting worker: a job was submitted here, or the engine stops. */
    void wakeUp() {
        lock.lock();
        try {
            emptyUntil.set(NOT_EMPTY);
            signal.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * @param now {@link System#nanoTime()}
     * @param idlePoll the wait between two claims while the queue is empty
     * @return whether the calling worker claims now: always outside an empty spell; inside one, only the one worker
     *     that takes the turn once the spell's poll is due (it moves the next one an idle poll on)
     */
    boolean mayClaim(long now, Duration idlePoll) {
        long until = emptyUntil.get();
        if (until == NOT_EMPTY) {
            return true;
        }
        return now - until >= 0 && emptyUntil.compareAndSet(until, now + idlePoll.toNanos());
    }

    /**
     * A claim found nothing, or failed: an empty spell begins, unless one runs already.
     *
     * @param now {@link System#nanoTime()} after the claim
     * @param idlePoll the wait before the next claim
     */
    void foundNothing(long now, Duration idlePoll) {
        emptyUntil.compareAndSet(NOT_EMPTY, now + idlePoll.toNanos());
    }

    /** A claim found a job: an empty spell ends, and the workers waiting it out look for more at once. */
    void foundWork() {
        if (emptyUntil.get() != NOT_EMPTY) {
            wakeUp();
        }
    }

    /**
     * Waits, as a worker that may not claim, until the empty spell's next claim is due or it ends; returns at once
     * outside a spell or once stopping. An interrupt stops the engine (the flag is restored).
     *
     * @param stopping the engine's stop flag
     */
    void awaitTurn(AtomicBoolean stopping) {
        await(() -> {
            long until = emptyUntil.get();
            return until == NOT_EMPTY ? 0 : until - System.nanoTime();
        }, stopping);
    }

    /**
     * Waits up to {@code duration}, waking early on {@link #wakeUp()}; not at all once stopping. An interrupt stops
     * the engine (the flag is restored).
     */
    void pause(Duration duration, AtomicBoolean stopping) {
        await(duration::toNanos, stopping);
    }

    /**
     * Waits the nanoseconds {@code wait} gives (none if not positive), waking early on {@link #wakeUp()}; not at all
     * once stopping. {@code wait} is read under the lock, so a wake-up cannot slip in between that read and the wait.
     */
    private void await(LongSupplier wait, AtomicBoolean stopping) {
        lock.lock();
        try {
            long nanos = wait.getAsLong();
            if (!stopping.get() && nanos > 0) {
                signal.await(nanos, TimeUnit.NANOSECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stopping.set(true);
        } finally {
            lock.unlock();
        }
    }
}
