package dev.weft.service.ops;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * The dashboard's latest reading, shared by every open stream: the sampler publishes one per interval, each stream
 * waits for the next and writes the same bytes. Several open pages cost one rendering per reading, not one each.
 *
 * <p>A stream waits with no timer of its own (a virtual thread's timed wait costs the JDK's delay scheduler two
 * wake-ups, the timer set and then cancelled, at every reading). The readings are its heartbeat; when they fall silent
 * (a reading stuck on a slow database) a ticker, one virtual thread for all streams, wakes them with a <em>beat</em>
 * once the silence has lasted {@code silence}, and again for each {@code silence} more, so that they write a comment
 * line and check their caller's key.
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
    // written under the lock, like closed, and read by a starting stream without it
    private volatile long beats;
    // when the latest reading or beat went out (System.nanoTime)
    private long lastSignal = System.nanoTime();
    // written under the lock (so a waiting stream sees it with the signal), read by the ticker without it
    private volatile boolean closed;
    private volatile @Nullable Thread ticker;

    /**
     * What woke a waiting stream.
     *
     * @param latest the latest reading, newer than the stream's unless a beat woke it
     * @param beats the beats so far, to wait past
     */
    record Wake(Reading latest, long beats) {
    }

    /**
     * Starts the ticker that wakes the streams with a beat while no reading came for {@code silence}.
     *
     * @param silence the silence a beat ends
     * @param tick how often the ticker looks (a beat comes between {@code silence} and {@code silence + tick} after
     *     the last reading)
     */
    void startTicker(Duration silence, Duration tick) {
        long silenceNanos = silence.toNanos();
        ticker = Thread.ofVirtual().name("weft-dashboard-heartbeat").start(() -> {
            try {
                while (!closed) {
                    Thread.sleep(tick);
                    if (watched()) {
                        beatIfSilent(silenceNanos);
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
    }

    /** Wakes the streams with a beat if nothing went out for {@code silenceNanos}. */
    void beatIfSilent(long silenceNanos) {
        lock.lock();
        try {
            long now = System.nanoTime();
            if (now - lastSignal >= silenceNanos) {
                beats++;
                lastSignal = now;
                published.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }

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

    /** @return the beats so far: what a stream that starts waiting has seen */
    long beats() {
        return beats;
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
            lastSignal = System.nanoTime();
            published.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits, with no timer, for a reading newer than {@code after} or a beat after {@code beatsSeen}: the sampler
     * publishes a reading every {@link DashboardSampler#INTERVAL}, the ticker a beat while they are late.
     *
     * @param after the number of the reading the caller has
     * @param beatsSeen the beats the caller has seen ({@link Wake#beats()}; 0 at first)
     * @return what woke it; {@code null} once the readings are closed
     * @throws InterruptedException if interrupted while waiting
     */
    @Nullable Wake next(long after, long beatsSeen) throws InterruptedException {
        lock.lock();
        try {
            while (latest.seq() <= after && beats == beatsSeen && !closed) {
                published.await();
            }
            return closed ? null : new Wake(latest, beats);
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
        Thread running = ticker;
        if (running != null) {
            running.interrupt();
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
