package dev.weft.service.users;

import dev.weft.service.Validation;
import org.jspecify.annotations.Nullable;

/**
 * The body of {@code POST /users} and of each item of {@code POST /users/batch}. Validated on construction.
 *
 * @param email a valid address of at most 254 characters
 * @param username {@code [A-Za-z0-9_.-]{3,64}}
 * @param fullName at most 200 characters, or absent
 * @param credits 0..10^15, or absent for 0
 */
public record CreateUserRequest(@Nullable String email, @Nullable String username, @Nullable String fullName,
        @Nullable Long credits) {
    /** Validates every field; throws a 400 naming each invalid one. */
    public CreateUserRequest {
        Validation validation = Validation.start();
        if (validation.required("email", email)) {
            validation.email("email", email);
        }
        if (validation.required("username", username)) {
            validation.username("username", username);
        }
        validation.text("full_name", fullName, 200);
        validation.range("credits", credits, 0, Validation.MAX_CREDITS);
        validation.check();
    }
}
