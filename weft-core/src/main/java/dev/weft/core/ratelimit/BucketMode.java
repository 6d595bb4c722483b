package dev.weft.core.ratelimit;

import java.util.Locale;

/** Where a bucket that decided lives. */
public enum BucketMode {
    /** In this process: no shared store is configured. */
    LOCAL,
    /** In the shared store, used by every instance. */
    SHARED,
    /** In this process while the configured shared store fails: each instance admits the rate on its own. */
    FALLBACK;

    /** @return the lowercase name used in metric tags and health details */
    public String tag() {
        return name().toLowerCase(Locale.ROOT);
    }
}
