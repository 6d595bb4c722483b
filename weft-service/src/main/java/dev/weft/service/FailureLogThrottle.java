package dev.weft.service;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Lets one log line per failure code through each interval and counts the rest, so that a dependency outage (every
 * request answering 503 {@code database_unavailable}, every job worker failing to claim) writes a line an interval
 * rather than a line per request or per worker and poll: under load those lines cost more than the answers they
 * describe, and the counts are in the meters anyway.
 *
 * <p>Thread-safe.
 */
public final class FailureLogThrottle {
    private final long intervalNanos;
    private final ConcurrentHashMap<String, Window> windows = new ConcurrentHashMap<>();

    /** @param intervalNanos how often one code may be logged */
    public FailureLogThrottle(long intervalNanos) {
        this.intervalNanos = intervalNanos;
    }

    /**
     * @param code the failure code
     * @param now {@link System#nanoTime()}
     * @return -1 to stay quiet, else how many lines of this code were suppressed since the last one logged
     */
    public long admit(String code, long now) {
        Window window = windows.computeIfAbsent(code, key -> new Window(now - intervalNanos));
        long last = window.lastLogged.get();
        if (now - last >= intervalNanos && window.lastLogged.compareAndSet(last, now)) {
            return window.suppressed.getAndSet(0);
        }
        window.suppressed.incrementAndGet();
        return -1;
    }

    private static final class Window {
        final AtomicLong lastLogged;
        final AtomicLong suppressed = new AtomicLong();

        Window(long start) {
            lastLogged = new AtomicLong(start);
        }
    }
}
