package dev.weft.http;

/** Header value rules shared by config and requests: no CR, LF or other control characters (header injection). */
final class Headers {
    private Headers() {
    }

    /** Whether the value may be sent as a header value. */
    static boolean validValue(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if ((c < 0x20 && c != '\t') || c == 0x7f) {
                return false;
            }
        }
        return true;
    }
}
