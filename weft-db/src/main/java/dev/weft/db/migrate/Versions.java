package dev.weft.db.migrate;

import java.util.Comparator;

/** Orders versions group by group as numbers: {@code 2 < 10}, {@code 20261123_120000 < 20261123_120001}. */
final class Versions {
    static final Comparator<String> ORDER = Versions::compare;
    // a group of up to 18 digits fits a long; Migration.VERSION allows no more
    private static final int MAX_DIGITS = 18;
    private static final long NOT_PLAIN = -1;

    private Versions() {
    }

    /**
     * Compares two versions without allocating: a status check sorts every migration with it (the service's health
     * check runs one a minute), and {@code String.split} on a character class compiles a regular expression per call,
     * two per comparison. Odd input (not groups of digits) goes to {@link #compareSplit}, for its answer or exception.
     *
     * @param left a version
     * @param right another
     * @return negative, zero or positive as {@code left} is lower than, the same as or higher than {@code right}
     * @throws NumberFormatException if either is not groups of digits separated by {@code .} or {@code _}
     */
    static int compare(String left, String right) {
        if (left.isEmpty() || right.isEmpty()) {
            return compareSplit(left, right); // no group at all: not a version
        }
        int i = 0;
        int j = 0;
        while (i < left.length() || j < right.length()) {
            int leftEnd = groupEnd(left, i);
            int rightEnd = groupEnd(right, j);
            long x = group(left, i, leftEnd);
            long y = group(right, j, rightEnd);
            if (x == NOT_PLAIN || y == NOT_PLAIN) {
                return compareSplit(left, right); // odd input: the old way's answer, or its exception
            }
            if (x != y) {
                return Long.compare(x, y);
            }
            i = Math.min(leftEnd + 1, Math.max(i, left.length()));
            j = Math.min(rightEnd + 1, Math.max(j, right.length()));
        }
        return 0;
    }

    private static int groupEnd(String version, int from) {
        int end = from;
        while (end < version.length() && version.charAt(end) != '.' && version.charAt(end) != '_') {
            end++;
        }
        return end;
    }

    /** @return the group's value; 0 past the end (a missing group counts as 0); {@link #NOT_PLAIN} otherwise */
    private static long group(String version, int from, int end) {
        if (from >= version.length()) {
            return 0;
        }
        if (end == from || end - from > MAX_DIGITS) {
            return NOT_PLAIN;
        }
        long value = 0;
        for (int k = from; k < end; k++) {
            char c = version.charAt(k);
            if (c < '0' || c > '9') {
                return NOT_PLAIN;
            }
            value = value * 10 + (c - '0');
        }
        return value;
    }

    /** The reference: splits both versions into groups (a regular expression compiled per call). */
    static int compareSplit(String left, String right) {
        String[] a = left.split("[._]");
        String[] b = right.split("[._]");
        for (int i = 0; i < Math.max(a.length, b.length); i++) {
            // a missing group counts as 0, so 1 and 1_0 are the same version (a duplicate)
            long x = i < a.length ? Long.parseLong(a[i]) : 0;
            long y = i < b.length ? Long.parseLong(b[i]) : 0;
            if (x != y) {
                return Long.compare(x, y);
            }
        }
        return 0;
    }
}
