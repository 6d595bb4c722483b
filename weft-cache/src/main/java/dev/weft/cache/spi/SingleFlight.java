package dev.weft.cache.spi;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.function.Supplier;

/**
 * One load per key in this JVM: the first caller runs the load on its own thread, the others wait for its
 * result (or its exception). Thread-safe.
 */
public final class SingleFlight {
    /** No load in flight yet. */
    public SingleFlight() {
    }

    /** A load in progress and the thread running it. */
    private record Flight(CompletableFuture<Object> result, Thread leader) {
    }

    private final ConcurrentHashMap<String, Flight> inFlight = new ConcurrentHashMap<>();

    /**
     * @param key the key
     * @param maxWait the longest a caller waits for another caller's load; then it runs the load itself rather
     *     than hang behind a stuck loader
     * @param load the load, run by the first caller (and by waiters that ran out of patience)
     * @param <T> the result type
     * @return the load's result
     */
    @SuppressWarnings("unchecked")
    public <T> T run(String key, java.time.Duration maxWait, Supplier<T> load) {
        Flight mine = new Flight(new CompletableFuture<>(), Thread.currentThread());
        Flight running = inFlight.putIfAbsent(key, mine);
        if (running != null) {
            if (running.leader() == Thread.currentThread()) {
                return load.get(); // a loader asking for its own key would otherwise wait for itself forever
            }
            try {
                return (T) await(running.result(), maxWait);
            } catch (java.util.concurrent.TimeoutException e) {
                return load.get();
            }
        }
        try {
            T result = load.get();
            mine.result().complete(result);
            return result;
        } catch (RuntimeException | Error e) {
            mine.result().completeExceptionally(e);
            throw e;
        } finally {
            inFlight.remove(key, mine);
        }
    }

    private static Object await(CompletableFuture<Object> running, java.time.Duration maxWait)
            throws java.util.concurrent.TimeoutException {
        try {
            return running.get(maxWait.toNanos(), java.util.concurrent.TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new dev.weft.cache.CacheException(dev.weft.core.ErrorKind.UNAVAILABLE, "cache_interrupted",
                    "interrupted while waiting for another caller's load of the same key", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException runtime) {
                throw runtime;
            }
            if (cause instanceof Error error) {
                throw error;
            }
            throw new dev.weft.cache.CacheException(dev.weft.core.ErrorKind.INTERNAL, "cache_load_failed",
                    "a cache loader failed with a checked exception", cause);
        }
    }
}
