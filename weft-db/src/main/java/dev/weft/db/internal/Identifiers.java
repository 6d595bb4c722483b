package dev.weft.db.internal;

import dev.weft.core.InvalidInputException;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The one gate every table and column name passes before it is put into SQL text: ASCII letters, digits and
 * underscores, starting with a letter or underscore, at most 63 characters. Anything else (spaces, quotes,
 * semicolons, Unicode look-alikes) is refused, and nothing is sent.
 */
public final class Identifiers {
    /** The pattern every identifier must match. */
    public static final Pattern PATTERN = Pattern.compile("^[A-Za-z_][A-Za-z0-9_]{0,62}$");

    private Identifiers() {
    }

    /**
     * @param role what the identifier names, e.g. {@code table} or {@code column}, for the message
     * @param name the identifier
     * @return {@code name}
     * @throws InvalidInputException if {@code name} does not match {@link #PATTERN}
     */
    public static String check(String role, String name) {
        if (name == null || !PATTERN.matcher(name).matches()) {
            throw new InvalidInputException("invalid_identifier", role,
                    "invalid " + role + " name " + printable(name) + ": must match " + PATTERN.pattern());
        }
        return name;
    }

    /**
     * @param text any text
     * @return the text quoted, shortened to 40 characters, with control and non-ASCII characters escaped so
     *     the message shows what was really passed
     */
    public static String printable(@Nullable String text) {
        if (text == null) {
            return "null";
        }
        StringBuilder out = new StringBuilder("'");
        int shown = Math.min(text.length(), 40);
        for (int i = 0; i < shown; i++) {
            char c = text.charAt(i);
            if (c < 0x20 || c > 0x7e) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        if (text.length() > shown) {
            out.append("...(").append(text.length()).append(" chars)");
        }
        return out.append('\'').toString();
    }
}
