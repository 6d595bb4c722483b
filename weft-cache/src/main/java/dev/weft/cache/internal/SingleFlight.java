package dev.weft.cache.internal;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.function.Supplier;

/**
 * One load per key in this JVM: the first caller runs the load on its own thread, the others wait for its
 * result (or its exception). Thread-safe.
 */
public final class SingleFlight {
    private final ConcurrentHashMap<String, CompletableFuture<Object>> inFlight = new ConcurrentHashMap<>();

    /**
     * @param key the key
     * @param load the load, run by the first caller only
     * @param <T> the result type
     * @return the load's result
     */
    @SuppressWarnings("unchecked")
    public <T> T run(String key, Supplier<T> load) {
        CompletableFuture<Object> mine = new CompletableFuture<>();
        CompletableFuture<Object> running = inFlight.putIfAbsent(key, mine);
        if (running != null) {
            return (T) await(running);
        }
        try {
            T result = load.get();
            mine.complete(result);
            return result;
        } catch (RuntimeException | Error e) {
            mine.completeExceptionally(e);
            throw e;
        } finally {
            inFlight.remove(key, mine);
        }
    }

    private static Object await(CompletableFuture<Object> running) {
        try {
            return running.get();
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
