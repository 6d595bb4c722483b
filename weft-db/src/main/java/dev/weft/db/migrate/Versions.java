package dev.weft.db.migrate;

import java.util.Comparator;

/** Orders versions group by group as numbers: {@code 2 < 10}, {@code 20261123_120000 < 20261123_120001}. */
final class Versions {
    static final Comparator<String> ORDER = Versions::compare;

    private Versions() {
    }

    static int compare(String left, String right) {
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
