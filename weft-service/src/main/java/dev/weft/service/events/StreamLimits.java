package dev.weft.service.events;

import dev.weft.core.ErrorKind;
import dev.weft.service.ProblemException;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;

/**
 * Bounds the event streams open on this instance: in all ({@link EventsConfig#maxStreams()}, one more is a 503)
 * and per API key ({@link EventsConfig#maxStreamsPerKey()}, one more is a 429), checked before a stream starts so
 * the client gets a problem, not a stream.
 *
 * <p>Thread-safe.
 */
final class StreamLimits {
    /** When a client over its limit may try again: about when a closed tab's stream notices and frees its slot. */
    private static final Duration RETRY_AFTER = Duration.ofSeconds(5);

    private final Semaphore total;
    private final int perKey;
    private final ConcurrentHashMap<String, Integer> open = new ConcurrentHashMap<>();

    StreamLimits(int total, int perKey) {
        this.total = new Semaphore(total);
        this.perKey = perKey;
    }

    /**
     * @param key the caller's scope (its key)
     * @return the slot, released by closing it
     * @throws ProblemException 429 {@code too_many_streams} for a key at its limit, 503 {@code streams_exhausted}
     *     when the instance is at its limit
     */
    Slot acquire(String key) {
        boolean[] admitted = {false};
        open.compute(key, (name, count) -> {
            int now = count == null ? 0 : count;
            if (now >= perKey) {
                return count;
            }
            admitted[0] = true;
            return now + 1;
        });
        if (!admitted[0]) {
            throw ProblemException.rateLimited("too many event streams are open for this API key (at most "
                    + perKey + "); close one", RETRY_AFTER);
        }
        if (!total.tryAcquire()) {
            release(key);
            throw ProblemException.of(ErrorKind.UNAVAILABLE, "streams_exhausted",
                    "the service has as many event streams open as it allows; try again shortly");
        }
        return new Slot(key);
    }

    /** @return streams open now */
    int openStreams() {
        return open.values().stream().mapToInt(Integer::intValue).sum();
    }

    private void release(String key) {
        open.computeIfPresent(key, (name, count) -> count <= 1 ? null : count - 1);
    }

    /** One open stream's place; closing it twice frees it once. */
    final class Slot implements AutoCloseable {
        private final String key;
        private boolean closed;

        private Slot(String key) {
            this.key = key;
        }

        @Override
        public synchronized void close() {
            if (!closed) {
                closed = true;
                total.release();
                release(key);
            }
        }
    }
}
