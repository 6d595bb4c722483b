package dev.weft.faults;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Predicate;

/**
 * What the clients of a scenario did and saw, recorded as they ran and checked afterwards (the way Jepsen-style
 * checkers work): each operation with its start and end (nanoTime), its outcome and what it returned. An operation
 * that got no answer is {@link Outcome#UNKNOWN}: it may or may not have happened.
 */
final class History {
    /** How an operation ended. */
    enum Outcome {
        /** Acknowledged (2xx). */
        OK,
        /** Refused with an answer (4xx/5xx): the service says it did nothing. */
        FAIL,
        /** No answer (timeout, reset): may or may not have happened. */
        UNKNOWN
    }

    /**
     * One operation.
     *
     * @param client who did it (instance or worker name)
     * @param op what, e.g. {@code create}, {@code read}
     * @param key what it was about (a user id, an email)
     * @param start nanoTime when it was sent
     * @param end nanoTime when its answer (or failure) came
     * @param outcome how it ended
     * @param status the HTTP status, or 0 without an answer
     * @param value what it wrote or read, or null
     */
    record Op(String client, String op, String key, long start, long end, Outcome outcome, int status,
            String value) {
        /** @return how long it took, in ms */
        double millis() {
            return (end - start) / 1e6;
        }
    }

    private final ConcurrentLinkedQueue<Op> ops = new ConcurrentLinkedQueue<>();

    /** @param op an operation that ended */
    void add(Op op) {
        ops.add(op);
    }

    /**
     * Records an HTTP answer, or its absence.
     *
     * @param client who
     * @param op what
     * @param key about what
     * @param start nanoTime sent
     * @param answer the answer, or null if none came
     * @param value what was written or read
     * @return the recorded operation
     */
    Op record(String client, String op, String key, long start, Http.Answer answer, String value) {
        long end = System.nanoTime();
        Outcome outcome = answer == null ? Outcome.UNKNOWN
                : answer.status() < 300 ? Outcome.OK : Outcome.FAIL;
        Op recorded = new Op(client, op, key, start, end, outcome, answer == null ? 0 : answer.status(), value);
        ops.add(recorded);
        return recorded;
    }

    /** @return every operation, by start */
    List<Op> all() {
        List<Op> list = new ArrayList<>(ops);
        list.sort(Comparator.comparingLong(Op::start));
        return list;
    }

    /** @param filter which @return the operations that match, by start */
    List<Op> where(Predicate<Op> filter) {
        return all().stream().filter(filter).toList();
    }

    /**
     * @param millis a list of durations
     * @param quantile e.g. 0.99
     * @return the value at that quantile (nearest rank), or NaN for none
     */
    static double quantile(List<Double> millis, double quantile) {
        if (millis.isEmpty()) {
            return Double.NaN;
        }
        List<Double> sorted = new ArrayList<>(millis);
        sorted.sort(Comparator.naturalOrder());
        int rank = (int) Math.ceil(quantile * sorted.size());
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, rank - 1)));
    }
}
