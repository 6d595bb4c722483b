package dev.weft.service;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Collects invalid fields of one request and throws them together as a 400 {@code validation_failed}. Used in the
 * compact constructors of request records, so an invalid request never exists as a value.
 *
 * <p>Not thread-safe; one per validation.
 */
public final class Validation {
    /** Usernames: {@code [A-Za-z0-9_.-]{3,64}}. */
    public static final Pattern USERNAME = Pattern.compile("[A-Za-z0-9_.-]{3,64}");
    /**
     * Email addresses: ASCII, one {@code @}, a dot-atom local part and a domain of dot-separated labels. ASCII only,
     * so that case folding is the same in Java and in every database's {@code lower()}.
     */
    public static final Pattern EMAIL = Pattern.compile(
            "[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
                    + "@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\\.)+[A-Za-z]{2,63}");
    /** The most credits a user may hold: 10^15. */
    public static final long MAX_CREDITS = 1_000_000_000_000_000L;

    private final List<ProblemException.FieldError> errors = new ArrayList<>();

    private Validation() {
    }

    /** @return an empty collector */
    public static Validation start() {
        return new Validation();
    }

    /**
     * @param field the field
     * @param message what is wrong
     * @return this
     */
    public Validation fail(String field, String message) {
        errors.add(new ProblemException.FieldError(field, message));
        return this;
    }

    /**
     * @param field the field
     * @param value the value, or {@code null} when absent
     * @return whether it is present; records an error when not
     */
    public boolean required(String field, @Nullable Object value) {
        if (value == null) {
            fail(field, "is required");
            return false;
        }
        return true;
    }

    /**
     * Checks free text: at most {@code maxLength} code points, no NUL or other control character (PostgreSQL text
     * cannot hold NUL), no unpaired surrogate (it has no UTF-8 form).
     *
     * @param field the field
     * @param value the value, or {@code null} to skip
     * @param maxLength the most code points
     * @return this
     */
    public Validation text(String field, @Nullable String value, int maxLength) {
        if (value == null) {
            return this;
        }
        String problem = textProblem(value);
        if (problem != null) {
            fail(field, problem);
        } else if (value.codePointCount(0, value.length()) > maxLength) {
            fail(field, "must be at most " + maxLength + " characters");
        }
        return this;
    }

    /**
     * @param field the field
     * @param value the address, or {@code null} to skip
     * @return this
     */
    public Validation email(String field, @Nullable String value) {
        if (value == null) {
            return this;
        }
        if (value.length() > 254) {
            fail(field, "must be at most 254 characters");
        } else if (!EMAIL.matcher(value).matches() || value.indexOf('@') > 64) {
            fail(field, "must be a valid email address");
        }
        return this;
    }

    /**
     * @param field the field
     * @param value the username, or {@code null} to skip
     * @return this
     */
    public Validation username(String field, @Nullable String value) {
        if (value != null && !USERNAME.matcher(value).matches()) {
            fail(field, "must be 3 to 64 of A-Z, a-z, 0-9, '_', '.', '-'");
        }
        return this;
    }

    /**
     * @param field the field
     * @param value the number, or {@code null} to skip
     * @param min the smallest allowed
     * @param max the largest allowed
     * @return this
     */
    public Validation range(String field, @Nullable Long value, long min, long max) {
        if (value != null && (value < min || value > max)) {
            fail(field, "must be between " + min + " and " + max);
        }
        return this;
    }

    /** @throws ProblemException 400 {@code validation_failed} if any field was invalid */
    public void check() {
        if (!errors.isEmpty()) {
            StringBuilder detail = new StringBuilder();
            for (ProblemException.FieldError error : errors) {
                if (!detail.isEmpty()) {
                    detail.append("; ");
                }
                detail.append(error.field()).append(": ").append(error.message());
            }
            throw ProblemException.invalid("validation_failed", detail.toString(), errors);
        }
    }

    /**
     * Checks a JSON value a client sends to be stored and read back (video options, admin cache values): no field name
     * or string in it may hold a NUL or an unpaired surrogate. Checked on the tree, not on the text the mapper writes,
     * which escapes both ({@code \u0000}, {@code \uD800}) and so never shows them, yet an unpaired surrogate has no
     * UTF-8 form and strict clients refuse every answer that carries it. Other control characters are allowed: the
     * written JSON escapes them.
     *
     * @param value a JSON value
     * @return why it cannot be stored, or {@code null} if it can
     */
    public static @Nullable String jsonTextProblem(JsonNode value) {
        if (value.isTextual()) {
            return storable(value.textValue()) ? null : "must not contain NUL characters or unpaired surrogates";
        }
        if (value.isObject()) {
            for (var field : value.properties()) {
                if (!storable(field.getKey())) {
                    return "must not contain NUL characters or unpaired surrogates";
                }
                String problem = jsonTextProblem(field.getValue());
                if (problem != null) {
                    return problem;
                }
            }
        } else if (value.isArray()) {
            for (JsonNode element : value) {
                String problem = jsonTextProblem(element);
                if (problem != null) {
                    return problem;
                }
            }
        }
        return null;
    }

    private static boolean storable(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == 0 || Character.isLowSurrogate(c)) {
                return false;
            }
            if (Character.isHighSurrogate(c)) {
                if (i + 1 >= text.length() || !Character.isLowSurrogate(text.charAt(i + 1))) {
                    return false;
                }
                i++;
            }
        }
        return true;
    }

    /**
     * @param value a string
     * @return why it cannot be stored as text, or {@code null} if it can
     */
    public static @Nullable String textProblem(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == 0) {
                return "must not contain NUL characters";
            }
            if (Character.isISOControl(c) && c != '\t' && c != '\n' && c != '\r') {
                return "must not contain control characters";
            }
            if (Character.isHighSurrogate(c)) {
                if (i + 1 >= value.length() || !Character.isLowSurrogate(value.charAt(i + 1))) {
                    return "must be valid Unicode (unpaired surrogate)";
                }
                i++;
            } else if (Character.isLowSurrogate(c)) {
                return "must be valid Unicode (unpaired surrogate)";
            }
        }
        return null;
    }
}
