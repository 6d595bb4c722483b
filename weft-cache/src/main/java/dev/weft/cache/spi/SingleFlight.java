package dev.weft.cache.spi;

import dev.weft.cache.CacheException;
import dev.weft.core.ErrorKind;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * One load per key in this JVM: the first caller runs the load on its own thread, the others wait for its
 * result (or its exception). A loader that asks the same cache for the key it is loading fails at once
 * ({@link CacheException}, code {@code cache_recursive_load}). Thread-safe.
 */
public final class SingleFlight {
    /** A key some thread is loading now, through any path of this flight (shared, alone, or after a wait). */
    private record Loading(String key, Thread thread) {
    }

    private final String cacheName;
    private final ConcurrentHashMap<String, CompletableFuture<Object>> inFlight = new ConcurrentHashMap<>();
    private final Set<Loading> loading = ConcurrentHashMap.newKeySet();

    /** A flight whose recursive-load message names no cache: the constructor from before it named one. */
    public SingleFlight() {
        this("unnamed");
    }

    /** @param cacheName the cache this flight belongs to, for the message of a recursive load */
    public SingleFlight(String cacheName) {
        this.cacheName = Objects.requireNonNull(cacheName, "cacheName");
    }

    /**
     * @param key the key
     * @param maxWait the longest a caller waits for another caller's load; then it runs the load itself rather
     *     than hang behind a stuck loader
     * @param load the load, run by the first caller (and by waiters that ran out of patience)
     * @param <T> the result type
     * @return the load's result
     * @throws CacheException if this thread is already loading {@code key} in this flight
     */
    public <T> T run(String key, Duration maxWait, Supplier<T> load) {
        return run(key, key, maxWait, load);
    }

    /**
     * {@link #run(String, Duration, Supplier)} for a caller that shares loads of a key only under a condition (the
     * tiered cache: per invalidation epoch): callers share the load of {@code flight}, and a re-entry is found by
     * {@code key}, whatever the flight.
     *
     * @param key the key
     * @param flight the name of the shared load: the key and what else callers must agree on
     * @param maxWait the longest a caller waits for another caller's load
     * @param load the load
     * @param <T> the result type
     * @return the load's result
     * @throws CacheException if this thread is already loading {@code key} in this flight
     */
    @SuppressWarnings("unchecked")
    public <T> T run(String key, String flight, Duration maxWait, Supplier<T> load) {
        return alone(key, () -> {
            CompletableFuture<Object> mine = new CompletableFuture<>();
            CompletableFuture<Object> running = inFlight.putIfAbsent(flight, mine);
            if (running != null) {
                try {
                    return (T) await(running, maxWait);
                } catch (TimeoutException e) {
                    return load.get();
                }
            }
            try {
                T result = load.get();
                mine.complete(result);
                return result;
            } catch (Throwable e) {
                // Throwable, not RuntimeException | Error: a loader may throw a checked exception it does not declare
                // (a sneaky throw, Kotlin, Lombok), and its waiters would otherwise sit out their whole wait
                mine.completeExceptionally(e);
                throw e;
            } finally {
                inFlight.remove(flight, mine);
            }
        });
    }

    /**
     * Runs a load on this thread without sharing it (a tier that must not share loads now), still refusing a
     * recursive one.
     *
     * @param key the key
     * @param load the load
     * @param <T> the result type
     * @return the load's result
     * @throws CacheException if this thread is already loading {@code key} in this flight
     */
    public <T> T alone(String key, Supplier<T> load) {
        Loading mine = new Loading(key, Thread.currentThread());
        if (!loading.add(mine)) {
            // The outer load would wait for itself: for the whole load wait in this JVM, and on its own lease in
            // Redis. Running the inner loader instead would load the key twice and store whichever finished last.
            // the key's length, never the key: it may hold user data, and this message reaches the logs
            throw new CacheException(ErrorKind.INTERNAL, "cache_recursive_load", "cache '" + cacheName
                    + "': the loader of a key (" + key.length() + " characters) asked the same cache for that key: a"
                    + " loader must compute its value without getOrLoad of its own key", null);
        }
        try {
            return load.get();
        } finally {
            loading.remove(mine);
        }
    }

    private static Object await(CompletableFuture<Object> running, Duration maxWait) throws TimeoutException {
        try {
            return running.get(maxWait.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CacheException(ErrorKind.UNAVAILABLE, "cache_interrupted",
                    "interrupted while waiting for another caller's load of the same key", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException runtime) {
                throw runtime;
            }
            if (cause instanceof Error error) {
                throw error;
            }
            throw new CacheException(ErrorKind.INTERNAL, "cache_load_failed",
                    "a cache loader failed with a checked exception", cause);
        }
    }
}
