package dev.weft.cache.spi;

import java.time.Duration;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

/** Runs loaders and counts them: runs, failures, total time. Thread-safe. */
public final class LoadTimer {
    private final LongAdder loads = new LongAdder();
    private final LongAdder failures = new LongAdder();
    private final LongAdder nanos = new LongAdder();

    /** All counts at zero. */
    public LoadTimer() {
    }

    /**
     * @param loader the loader
     * @param <T> its result type
     * @return what the loader returned
     */
    public <T> T time(Supplier<? extends T> loader) {
        long start = System.nanoTime();
        loads.increment();
        try {
            return loader.get();
        } catch (RuntimeException | Error e) {
            failures.increment();
            throw e;
        } finally {
            nanos.add(System.nanoTime() - start);
        }
    }

    /** @return loader runs so far */
    public long loads() {
        return loads.sum();
    }

    /** @return loader runs that threw */
    public long failures() {
        return failures.sum();
    }

    /** @return total time in loaders */
    public Duration total() {
        return Duration.ofNanos(nanos.sum());
    }
}
