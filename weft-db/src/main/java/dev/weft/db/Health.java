package dev.weft.db;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * The result of one health probe.
 *
 * @param healthy whether the probe succeeded in time
 * @param latency how long it took (the timeout, if it did not answer)
 * @param error the code of the failure ({@code timeout}, {@code pool_exhausted}, {@code database_unavailable}, ...)
 * @param details extra facts for an operator (pool state, the failing check), never secrets
 */
public record Health(boolean healthy, Duration latency, Optional<String> error, Map<String, Object> details) {
    /** How {@code checked_at} and other instants in {@link #details()} are written: RFC 3339 UTC, six fraction digits. */
    private static final java.time.format.DateTimeFormatter TIMESTAMP = java.time.format.DateTimeFormatter
            .ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSS'Z'").withZone(java.time.ZoneOffset.UTC);

    /**
     * @param instant an instant
     * @return its text in {@link #details()}: RFC 3339 UTC with exactly six fraction digits, so that the instants of
     *     every check have one length and sort as text
     */
    public static String timestamp(java.time.Instant instant) {
        return TIMESTAMP.format(instant);
    }

    /** Copies the details. */
    public Health {
        details = Map.copyOf(details);
    }

    /** @return {@link Status#UP} if healthy, else {@link Status#DOWN} */
    public Status status() {
        return Status.of(healthy);
    }

    /**
     * Up or down, as health endpoints show it: {@link #tag()} ({@code "up"}, {@code "down"}) is the JSON text, so it
     * must not change.
     */
    public enum Status {
        /** The dependency answers in time. */
        UP,
        /** It failed or did not answer in time. */
        DOWN;

        /**
         * @param healthy whether the check passed
         * @return {@link #UP} or {@link #DOWN}
         */
        public static Status of(boolean healthy) {
            return healthy ? UP : DOWN;
        }

        /** @return {@code "up"} or {@code "down"}, the text health endpoints show */
        public String tag() {
            return this == UP ? "up" : "down";
        }
    }
}
