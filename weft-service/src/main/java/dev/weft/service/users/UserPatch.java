package dev.weft.service.users;

import com.fasterxml.jackson.databind.JsonNode;
import dev.weft.core.ForbiddenException;
import dev.weft.service.ProblemException;
import dev.weft.service.Validation;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Reads the body of {@code PATCH /users/{id}} into checked changes: known fields only, {@code is_active} and
 * {@code credits} for the admin only, each value of its type and range.
 *
 * <p>Stateless and thread-safe.
 */
final class UserPatch {
    private static final Set<String> FIELDS = Set.of("email", "username", "full_name", "is_active", "credits");
    private static final Set<String> ADMIN_ONLY_FIELDS = Set.of("is_active", "credits");

    private UserPatch() {
    }

    /**
     * @param body the JSON object sent
     * @param admin whether the caller is the admin
     * @return column → new value, in the order sent
     * @throws ProblemException 400 for an unknown field or invalid values (every invalid field named)
     * @throws ForbiddenException {@code forbidden_field} for an admin-only field sent by a user
     */
    static Map<String, @Nullable Object> parse(JsonNode body, boolean admin) {
        Map<String, @Nullable Object> changes = new LinkedHashMap<>();
        Validation validation = Validation.start();
        for (Map.Entry<String, JsonNode> field : body.properties()) {
            String name = field.getKey();
            JsonNode value = field.getValue();
            if (!FIELDS.contains(name)) {
                throw ProblemException.invalid("unknown_field", "unknown field '" + name + "'",
                        List.of(new ProblemException.FieldError(name, "unknown field")));
            }
            if (ADMIN_ONLY_FIELDS.contains(name) && !admin) {
                throw new ForbiddenException("forbidden_field", name + " may be changed by the admin only");
            }
            check(validation, name, value);
            changes.put(name, value.isNull() ? null : value.isBoolean() ? value.booleanValue()
                    : value.isIntegralNumber() && value.canConvertToLong() ? value.longValue() : value.asText());
        }
        validation.check();
        return changes;
    }

    private static void check(Validation validation, String name, JsonNode value) {
        switch (name) {
            case "email", "username" -> {
                if (!value.isTextual()) {
                    validation.fail(name, "must be a string");
                } else if (name.equals("email")) {
                    validation.email(name, value.asText());
                } else {
                    validation.username(name, value.asText());
                }
            }
            case "full_name" -> {
                if (!value.isTextual() && !value.isNull()) {
                    validation.fail(name, "must be a string or null");
                } else if (value.isTextual()) {
                    validation.text(name, value.asText(), 200);
                }
            }
            case "is_active" -> {
                if (!value.isBoolean()) {
                    validation.fail(name, "must be true or false");
                }
            }
            case "credits" -> {
                if (!value.isIntegralNumber() || !value.canConvertToLong()) {
                    validation.fail(name, "must be an integer between 0 and " + Validation.MAX_CREDITS);
                } else {
                    validation.range(name, value.longValue(), 0, Validation.MAX_CREDITS);
                }
            }
            default -> throw new IllegalStateException(name);
        }
    }
}
