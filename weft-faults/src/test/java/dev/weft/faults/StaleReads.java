package dev.weft.faults;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Finds stale reads in a {@link ProfileCluster} history: a read that started after a write's response had returned
 * (the read's start after the write's end) and returned a value older than that write's, or a user that an
 * acknowledged delete had removed. Only acknowledged writes and deletes count (an unanswered write may or may not
 * have happened, so any value is allowed after it); only answered reads (200 or 404) are judged.
 */
final class StaleReads {
    private StaleReads() {
    }

    /**
     * A read that missed a write whose response had returned before the read began.
     *
     * @param read the read
     * @param missed the earliest acknowledged write (or delete) it missed
     */
    record Stale(History.Op read, History.Op missed) {
        /** @return how long after the missed write's response the read began, in ms */
        double millisAfterResponse() {
            return (read.start() - missed.end()) / 1e6;
        }

        /** @return whether the missed write was a delete */
        boolean ofDeleted() {
            return missed.op().equals(ProfileCluster.DELETE);
        }
    }

    /**
     * @param history a history of a {@link ProfileCluster}'s operations
     * @return every stale read, by start
     */
    static List<Stale> find(History history) {
        Map<String, List<History.Op>> acknowledged = new HashMap<>();
        for (History.Op op : history.where(op -> op.outcome() == History.Outcome.OK
                && (op.op().equals(ProfileCluster.WRITE) || op.op().equals(ProfileCluster.DELETE)))) {
            acknowledged.computeIfAbsent(op.key(), key -> new ArrayList<>()).add(op);
        }
        acknowledged.values().forEach(ops -> ops.sort(Comparator.comparingLong(History.Op::end)));
        List<Stale> stale = new ArrayList<>();
        for (History.Op read : history.where(op -> op.op().startsWith(ProfileCluster.READ)
                && (op.status() == 200 || op.status() == 404))) {
            int seen = version(read.value());
            for (History.Op write : acknowledged.getOrDefault(read.key(), List.of())) {
                if (write.end() >= read.start()) {
                    break;
                }
                if (version(write.value()) > seen) {
                    stale.add(new Stale(read, write));
                    break;
                }
            }
        }
        return stale;
    }

    /** {@code v<n>} is n; {@code gone} is after every version; anything else (no value) is before every one. */
    static int version(String value) {
        if (value == null) {
            return -1;
        }
        if (value.equals(ProfileCluster.GONE)) {
            return Integer.MAX_VALUE;
        }
        if (value.startsWith("v")) {
            try {
                return Integer.parseInt(value.substring(1));
            } catch (NumberFormatException e) {
                return -1;
            }
        }
        return -1;
    }
}
