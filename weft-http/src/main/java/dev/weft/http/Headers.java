package dev.weft.http;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Header rules shared by config and requests: names are RFC 9110 tokens, values hold no CR, LF or other control
 * characters (header injection).
 */
final class Headers {
    private static final Pattern NAME = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]{1,128}");

    private Headers() {
    }

    /** Whether the text may be sent as a header name. */
    static boolean validName(String name) {
        return NAME.matcher(name).matches();
    }

    /**
     * Whether a header carries credentials ({@code Authorization}, {@code Proxy-Authorization}, {@code Cookie} or
     * the config's API key header), which go only to the base URL's host.
     */
    static boolean credential(ApiConfig config, String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        return lower.equals("authorization") || lower.equals("proxy-authorization") || lower.equals("cookie")
                || lower.equalsIgnoreCase(config.auth().apiKeyHeader());
    }

    /**
     * Whether the value may be sent as a header value: no control characters, and nothing beyond ISO-8859-1, which
     * HC5 sends as {@code ?} (so {@code "Łukasz"} silently arrived as {@code "?ukasz"}).
     */
    static boolean validValue(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if ((c < 0x20 && c != '\t') || c == 0x7f || c > 0xff) {
                return false;
            }
        }
        return true;
    }
}
