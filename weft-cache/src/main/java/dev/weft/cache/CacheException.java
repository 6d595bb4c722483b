package dev.weft.cache;

import dev.weft.core.ErrorKind;
import dev.weft.core.WeftException;
import org.jspecify.annotations.Nullable;

/**
 * A cache call that could not complete for a reason other than bad input: an interrupted wait for another
 * caller's load (kind {@link ErrorKind#UNAVAILABLE}, code {@code cache_interrupted}), or a loader that threw a
 * checked exception (kind {@link ErrorKind#INTERNAL}, code {@code cache_load_failed}), or a loader that asked its
 * own cache for the key it was loading (kind {@link ErrorKind#INTERNAL}, code {@code cache_recursive_load}). A Redis
 * outage is never reported this way: the cache misses instead.
 */
public class CacheException extends WeftException {
    private static final long serialVersionUID = 1L;

    /**
     * @param kind the kind
     * @param code the stable code
     * @param message what happened, in which cache
     * @param cause the cause, or {@code null}
     */
    public CacheException(ErrorKind kind, String code, String message, @Nullable Throwable cause) {
        super(kind, code, message, cause);
    }
}
