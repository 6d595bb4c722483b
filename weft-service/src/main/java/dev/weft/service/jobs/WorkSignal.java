package dev.weft.service.jobs;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Where idle workers and polling steps wait: a submission or a cancel wakes them at once, a stop too.
 *
 * <p>Thread-safe.
 */
final class WorkSignal {
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition signal = lock.newCondition();

    /** Wakes every waiting worker. */
    void wakeUp() {
        lock.lock();
        try {
            signal.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits up to {@code duration}, waking early on {@link #wakeUp()}; not at all once stopping. An interrupt stops
     * the engine (the flag is restored).
     */
    void pause(Duration duration, AtomicBoolean stopping) {
        lock.lock();
        try {
            if (!stopping.get()) {
                signal.await(duration.toNanos(), TimeUnit.NANOSECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stopping.set(true);
        } finally {
            lock.unlock();
        }
    }
}
