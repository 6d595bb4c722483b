package dev.weft.service.users;

import dev.weft.service.data.UserRow;
import dev.weft.service.data.UserStats;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * {@code GET /user-profile/{id}}: the user and its stats, as cached.
 *
 * @param id the id
 * @param email the address
 * @param username the username
 * @param fullName the full name
 * @param isActive whether active
 * @param credits the balance
 * @param createdAt when created
 * @param updatedAt when last changed
 * @param stats the user's stats
 */
public record UserProfile(long id, String email, String username, @Nullable String fullName, boolean isActive,
        long credits, Instant createdAt, Instant updatedAt, UserStats stats) {
    static UserProfile of(UserRow user, UserStats stats) {
        return new UserProfile(user.id(), user.email(), user.username(), user.fullName(), user.isActive(),
                user.credits(), user.createdAt(), user.updatedAt(), stats);
    }
}
