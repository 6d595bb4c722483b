package dev.weft.service;

/** Who may call a route. */
public enum Access {
    /** Anyone, without a key. */
    PUBLIC,
    /** The admin or any user; handlers confine users to their own resources. */
    AUTHENTICATED,
    /** The admin only; a user key gets 403. */
    ADMIN,
    /** Public when {@code WEFT_METRICS_PUBLIC=true}, otherwise {@link #ADMIN}. */
    METRICS
}
