package dev.weft.service.data;

import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * A user as the API shows it (never the key hash).
 *
 * @param id the id
 * @param email the address, as given
 * @param username the username
 * @param fullName the full name, if any
 * @param isActive whether the user's key works
 * @param credits the balance
 * @param createdAt when created
 * @param updatedAt when last changed
 */
public record UserRow(long id, String email, String username, @Nullable String fullName, boolean isActive,
        long credits, Instant createdAt, Instant updatedAt) {
}
