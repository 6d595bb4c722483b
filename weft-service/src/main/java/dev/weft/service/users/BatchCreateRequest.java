package dev.weft.service.users;

import dev.weft.service.Validation;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The body of {@code POST /users/batch}.
 *
 * @param users 1 to 10,000 users to create
 */
public record BatchCreateRequest(@Nullable List<CreateUserRequest> users) {
    /** The most users per batch. */
    public static final int MAX_USERS = 10_000;

    /** Validates the count; each item validated itself. */
    public BatchCreateRequest {
        Validation validation = Validation.start();
        if (validation.required("users", users) && users != null) {
            if (users.isEmpty() || users.size() > MAX_USERS) {
                validation.fail("users", "must hold 1 to " + MAX_USERS + " users");
            } else if (users.contains(null)) {
                validation.fail("users[" + users.indexOf(null) + "]", "must be an object");
            }
        }
        validation.check();
        users = List.copyOf(users);
    }
}
