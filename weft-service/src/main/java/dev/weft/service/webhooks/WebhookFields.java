package dev.weft.service.webhooks;

import com.fasterxml.jackson.databind.JsonNode;
import dev.weft.service.ProblemException;
import dev.weft.service.Validation;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Reads the bodies of {@code POST /webhooks} and {@code PATCH /webhooks/{webhook_id}} into checked values: known
 * fields only, each of its type; event types from {@link #EVENT_TYPES} only. The URL's own check (scheme, host,
 * addresses) is {@link WebhookUrlPolicy}'s, run after this one.
 *
 * <p>Stateless and thread-safe.
 */
final class WebhookFields {
    /** The longest unknown field name an error repeats; longer ones are cut. */
    static final int MAX_SHOWN_NAME = 64;

    /** The event types a webhook may receive, one per video status; also the default of a registration. */
    static final List<String> EVENT_TYPES = List.of("video.queued", "video.uploading", "video.processing",
            "video.completed", "video.failed", "video.cancelled");
    /** The longest URL accepted, in characters. */
    static final int MAX_URL = 2048;
    /** The longest description, in characters. */
    static final int MAX_DESCRIPTION = 200;
    private static final Set<String> CREATE_FIELDS = Set.of("url", "event_types", "description", "user_id");
    private static final Set<String> PATCH_FIELDS = Set.of("url", "event_types", "description", "enabled");

    private WebhookFields() {
    }

    /**
     * A checked registration.
     *
     * @param url the URL as sent (its policy check follows)
     * @param eventTypes the types, comma-separated, without repeats
     * @param description the note, or {@code null}
     * @param userId the {@code user_id} sent, or {@code null}
     */
    record Create(String url, String eventTypes, @Nullable String description, @Nullable Long userId) {
    }

    /**
     * @param body the JSON object sent
     * @return the registration
     * @throws ProblemException 400 naming an unknown field or each invalid one
     */
    static Create create(JsonNode body) {
        unknownFields(body, CREATE_FIELDS);
        Validation validation = Validation.start();
        String url = null;
        JsonNode urlNode = body.get("url");
        if (urlNode == null || urlNode.isNull()) {
            validation.fail("url", "is required");
        } else {
            url = url(validation, urlNode);
        }
        // null as omitted: a client that serialises every field of its model sends "event_types": null for "all"
        String types = body.hasNonNull("event_types") ? eventTypes(validation, body.get("event_types"))
                : String.join(",", EVENT_TYPES);
        String description = description(validation, body.get("description"));
        Long userId = null;
        JsonNode user = body.get("user_id");
        if (user != null && !user.isNull()) {
            if (!user.isIntegralNumber() || !user.canConvertToLong() || user.longValue() < 1) {
                validation.fail("user_id", "must be a positive integer");
            } else {
                userId = user.longValue();
            }
        }
        validation.check();
        return new Create(url == null ? "" : url, types == null ? "" : types, description, userId);
    }

    /**
     * @param body the JSON object sent
     * @return column → new value, in the order sent ({@code url} as sent: its policy check follows; {@code enabled}
     *     a boolean)
     * @throws ProblemException 400 naming an unknown field or each invalid one
     */
    static Map<String, @Nullable Object> patch(JsonNode body) {
        unknownFields(body, PATCH_FIELDS);
        Validation validation = Validation.start();
        Map<String, @Nullable Object> changes = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> field : body.properties()) {
            JsonNode value = field.getValue();
            switch (field.getKey()) {
                case "url" -> changes.put("url", value.isNull() ? notNull(validation, "url") : url(validation, value));
                case "event_types" -> changes.put("event_types", eventTypes(validation, value));
                case "description" -> changes.put("description", description(validation, value));
                case "enabled" -> {
                    if (!value.isBoolean()) {
                        validation.fail("enabled", "must be true or false");
                    }
                    changes.put("enabled", value.booleanValue());
                }
                default -> throw new IllegalStateException(field.getKey());
            }
        }
        validation.check();
        return changes;
    }

    private static void unknownFields(JsonNode body, Set<String> known) {
        for (Map.Entry<String, JsonNode> field : body.properties()) {
            String name = field.getKey();
            if (!known.contains(name)) {
                String shown = shown(name);
                throw ProblemException.invalid("unknown_field", "unknown field '" + shown + "'",
                        List.of(new ProblemException.FieldError(shown, "unknown field")));
            }
        }
    }

    /**
     * A client's field name as an error shows it: at most {@value #MAX_SHOWN_NAME} code points, as
     * {@code UploadForm} cuts form field names, so a huge name is not echoed back whole (twice).
     */
    static String shown(String name) {
        return name.codePointCount(0, name.length()) <= MAX_SHOWN_NAME ? name
                : name.substring(0, name.offsetByCodePoints(0, MAX_SHOWN_NAME));
    }

    private static @Nullable String notNull(Validation validation, String field) {
        validation.fail(field, "must not be null");
        return null;
    }

    private static @Nullable String url(Validation validation, JsonNode value) {
        if (!value.isTextual()) {
            validation.fail("url", "must be a string");
            return null;
        }
        String url = value.asText();
        String problem = Validation.textProblem(url);
        if (problem == null && url.length() > MAX_URL) {
            problem = "must be at most " + MAX_URL + " characters";
        }
        if (problem != null) {
            validation.fail("url", problem);
            return null;
        }
        return url;
    }

    private static @Nullable String eventTypes(Validation validation, @Nullable JsonNode value) {
        if (value == null || !value.isArray() || value.isEmpty()) {
            validation.fail("event_types", "must be a non-empty array of event types, from " + EVENT_TYPES);
            return null;
        }
        Set<String> types = new LinkedHashSet<>();
        for (int i = 0; i < value.size(); i++) {
            JsonNode type = value.get(i);
            if (!type.isTextual() || !EVENT_TYPES.contains(type.asText())) {
                validation.fail("event_types[" + i + "]", "unknown event type; one of " + EVENT_TYPES);
            } else {
                types.add(type.asText());
            }
        }
        return String.join(",", types);
    }

    private static @Nullable String description(Validation validation, @Nullable JsonNode value) {
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isTextual()) {
            validation.fail("description", "must be a string or null");
            return null;
        }
        validation.text("description", value.asText(), MAX_DESCRIPTION);
        return value.asText();
    }
}
