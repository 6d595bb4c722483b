package dev.weft.service.http;

/**
 * RFC 3986's character classes as lookup tables, and the one check the edge makes with them: every character of a
 * stretch is in a class or is percent-encoding with two hex digits. By table rather than by regular expression or
 * decoding, since it runs on every request ({@link RequestIdFilter}'s path check, {@link HostHeader}).
 *
 * <p>Stateless; the tables are never written after they are built.
 */
final class UriChars {
    /** RFC 3986 unreserved and sub-delims: the characters of a host name ({@code reg-name}). */
    static final String UNRESERVED_AND_SUB_DELIMS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
            + "-._~!$&'()*+,;=";

    private UriChars() {
    }

    /** @param chars the characters of a class (ASCII) @return a table of them, indexed by character */
    static boolean[] table(String chars) {
        boolean[] allowed = new boolean[128];
        for (int i = 0; i < chars.length(); i++) {
            allowed[chars.charAt(i)] = true;
        }
        return allowed;
    }

    /**
     * @param text the text
     * @param start where the stretch starts
     * @param end where it ends (exclusive)
     * @param allowed a {@link #table}
     * @return whether each character of the stretch is allowed, or a {@code %} followed by two hex digits
     */
    static boolean matches(String text, int start, int end, boolean[] allowed) {
        for (int i = start; i < end; i++) {
            char c = text.charAt(i);
            if (c == '%') {
                if (i + 2 >= end || Character.digit(text.charAt(i + 1), 16) < 0
                        || Character.digit(text.charAt(i + 2), 16) < 0) {
                    return false;
                }
                i += 2;
            } else if (c >= allowed.length || !allowed[c]) {
                return false;
            }
        }
        return true;
    }
}
