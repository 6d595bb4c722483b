package dev.weft.db;

import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The virtual thread that runs a checker's rounds until closed: the fail-fast {@link DatabaseHealthChecker} (a
 * fixed delay between rounds, woken early by a {@link #hint()}) and the {@link ClusterChecker} (a fixed rate; a
 * round that overran starts the next one at once, without a burst). A round that throws is reported and the loop
 * goes on: a checker must survive anything. Thread-safe.
 */
final class ProbeLoop implements AutoCloseable {
    /** How rounds are spaced. */
    enum Pace {
        /** {@code interval} after the end of the last round, or at once on a hint. */
        FIXED_DELAY,
        /** Every {@code interval} from the start. */
        FIXED_RATE
    }

    /** One round; {@code hinted} says whether a {@link #hint()} woke it. */
    @FunctionalInterface
    interface Round {
        void run(boolean hinted);
    }

    private final Duration interval;
    private final Pace pace;
    private final Round round;
    private final Consumer<RuntimeException> onFailure;
    private final Semaphore hint = new Semaphore(0);
    private final Thread thread;
    private volatile boolean closed;

    ProbeLoop(String threadName, Duration interval, Pace pace, Round round, Consumer<RuntimeException> onFailure) {
        this.interval = interval;
        this.pace = pace;
        this.round = round;
        this.onFailure = onFailure;
        this.thread = Thread.ofVirtual().name(threadName).start(this::loop);
    }

    private void loop() {
        long intervalNanos = interval.toNanos();
        long next = System.nanoTime() + intervalNanos;
        while (!closed) {
            long wait = pace == Pace.FIXED_RATE ? next - System.nanoTime() : intervalNanos;
            boolean hinted;
            try {
                hinted = wait > 0 && hint.tryAcquire(wait, TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                return; // close()
            }
            hint.drainPermits();
            if (closed) {
                return;
            }
            try {
                round.run(hinted);
            } catch (RuntimeException e) {
                onFailure.accept(e); // the next tick tries again
            }
            next += intervalNanos;
            if (next - System.nanoTime() < 0) {
                next = System.nanoTime(); // the round overran: start the next one now, without a burst
            }
        }
    }

    /** Wakes the loop for a round now, unless one is already due. */
    void hint() {
        if (hint.availablePermits() == 0) {
            hint.release();
        }
    }

    /** Stops the loop and waits up to {@code bound} for a round in progress; idempotent. */
    void close(Duration bound) {
        closed = true;
        thread.interrupt();
        try {
            thread.join(bound);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(1));
    }
}
