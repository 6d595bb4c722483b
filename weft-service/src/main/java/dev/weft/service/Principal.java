package dev.weft.service;

/**
 * Who a request acts for: the admin, or one user.
 *
 * <p>Immutable and thread-safe.
 *
 * @param admin whether this is the admin key
 * @param userId the user's id; 0 for the admin
 */
public record Principal(boolean admin, long userId) {
    private static final Principal ADMIN = new Principal(true, 0);

    /** Checks that a user principal names a user and the admin none. */
    public Principal {
        if (admin ? userId != 0 : userId < 1) {
            throw new IllegalArgumentException("admin has no user id; a user has a positive one: " + userId);
        }
    }

    /** @return the admin principal */
    public static Principal adminKey() {
        return ADMIN;
    }

    /** @param id the user's id @return that user's principal */
    public static Principal user(long id) {
        return new Principal(false, id);
    }

    /**
     * @param id a user id
     * @return whether this principal may see that user's resources (the admin, or the user itself)
     */
    public boolean mayAccessUser(long id) {
        return admin || userId == id;
    }

    /** @return a stable scope name for idempotency records and rate-limit buckets: {@code admin} or {@code user:ID} */
    public String scope() {
        return admin ? "admin" : "user:" + userId;
    }
}
