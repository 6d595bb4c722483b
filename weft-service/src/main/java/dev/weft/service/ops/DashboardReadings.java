package dev.weft.service.ops;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * The dashboard's latest reading, shared by every open stream: the sampler publishes one per interval, each stream
 * waits for the next and writes the same bytes. Several open pages cost one rendering per reading, not one each.
 *
 * <p>Thread-safe: one publisher (the sampler's thread), any number of waiting streams.
 */
final class DashboardReadings implements AutoCloseable {
    /**
     * One published reading.
     *
     * @param seq its number, one more than the previous reading's
     * @param frame the Server-Sent Event that carries what changed since the previous reading, or {@code null} when no
     *     page watched as it was taken (nothing was rendered: a stream that gets it sends a whole snapshot instead)
     */
    record Reading(long seq, byte @Nullable [] frame) {
    }

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition published = lock.newCondition();
    private final AtomicInteger watchers = new AtomicInteger();
    private Reading latest = new Reading(0, null);
    private boolean closed;

    /**
     * Counts a stream as watching until the returned handle is closed: while none watches, readings are published
     * without being rendered.
     *
     * @return the handle; closing it twice counts once
     */
    Watch watch() {
        watchers.incrementAndGet();
        return new Watch();
    }

    /** @return whether a stream is open */
    boolean watched() {
        return watchers.get() > 0;
    }

    /** @return the streams open now */
    int watchers() {
        return watchers.get();
    }

    /** @return the latest reading published */
    Reading latest() {
        lock.lock();
        try {
            return latest;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Publishes a reading and wakes every waiting stream.
     *
     * @param reading the reading, its {@code seq} one more than the latest's
     */
    void publish(Reading reading) {
        lock.lock();
        try {
            latest = reading;
            published.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits, with no timer, for a reading newer than {@code after}: the sampler publishes one every
     * {@link DashboardSampler#INTERVAL} until it is closed.
     *
     * @param after the number of the reading the caller has
     * @return the latest reading, newer than {@code after}; {@code null} once the readings are closed
     * @throws InterruptedException if interrupted while waiting
     */
    @Nullable Reading next(long after) throws InterruptedException {
        lock.lock();
        try {
            while (latest.seq() <= after && !closed) {
                published.await();
            }
            return closed ? null : latest;
        } finally {
            lock.unlock();
        }
    }

    /** Ends every waiting stream (the service is stopping, or the sampler ended). Idempotent. */
    @Override
    public void close() {
        lock.lock();
        try {
            closed = true;
            published.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** A stream's place among the watchers. */
    final class Watch implements AutoCloseable {
        private final AtomicBoolean open = new AtomicBoolean(true);

        @Override
        public void close() {
            if (open.compareAndSet(true, false)) {
                watchers.decrementAndGet();
            }
        }
    }
}
