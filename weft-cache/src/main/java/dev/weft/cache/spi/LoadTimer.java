package dev.weft.cache.spi;

import java.time.Duration;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

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
    public <T extends @Nullable Object> T time(Supplier<? extends T> loader) {
        long start = System.nanoTime();
        loads.increment();
        try {
            return loader.get();
        } catch (Throwable e) {
            // Throwable: a loader may throw a checked exception it does not declare (a sneaky throw, Kotlin, Lombok)
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
