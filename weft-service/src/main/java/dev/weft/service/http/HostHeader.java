package dev.weft.service.http;

import io.helidon.http.Header;
import io.helidon.http.HeaderNames;
import io.helidon.http.Headers;

/**
 * The {@code Host} check RFC 9112 §3.2 asks of a server (400 for a request without one, with more than one, or with an
 * invalid value), by table rather than by regular expression: {@code uri-host [ ":" port ]}, where the host is a
 * {@code reg-name} (RFC 3986's unreserved and sub-delims characters, percent-encoding; a dotted address is one too),
 * or an {@code IP-literal} in brackets (its characters, not the address's groups), and the port digits only. Like
 * Helidon's own check, which the edge turns off ({@link HttpEdge}), an empty value is refused. (With its full check
 * off, Helidon still refuses a port that is not a number before any filter runs.) weft reads nothing from the header;
 * the check keeps the protocol.
 *
 * <p>Stateless.
 */
final class HostHeader {
    private static final int MAX_PORT_DIGITS = 10;
    /** RFC 3986 unreserved and sub-delims; {@code %} is checked with its two hex digits. */
    private static final boolean[] REG_NAME = UriChars.table(UriChars.UNRESERVED_AND_SUB_DELIMS);
    /** Inside brackets: an IPv6 address (hex digits, colons, a dotted tail) or an IPvFuture ({@code v1.x:y}). */
    private static final boolean[] IP_LITERAL = UriChars.table(UriChars.UNRESERVED_AND_SUB_DELIMS + ":");

    private HostHeader() {
    }

    /** @param headers a request's headers @return whether they hold exactly one valid {@code Host} */
    static boolean valid(Headers headers) {
        if (!headers.contains(HeaderNames.HOST)) {
            return false;
        }
        Header host = headers.get(HeaderNames.HOST);
        return host.valueCount() == 1 && valid(host.get());
    }

    /** @param value a {@code Host} header's value @return whether it is {@code uri-host [ ":" port ]}, not empty */
    static boolean valid(String value) {
        int length = value.length();
        if (length == 0) {
            return false;
        }
        int hostEnd;
        if (value.charAt(0) == '[') {
            int close = value.indexOf(']');
            if (close < 2 || !ipLiteral(value, 1, close)) {
                return false;
            }
            hostEnd = close + 1;
            if (hostEnd < length && value.charAt(hostEnd) != ':') {
                return false;
            }
        } else {
            int colon = value.indexOf(':');
            hostEnd = colon < 0 ? length : colon;
            if (hostEnd == 0 || !UriChars.matches(value, 0, hostEnd, REG_NAME)) {
                return false;
            }
        }
        return hostEnd == length || port(value, hostEnd + 1, length);
    }

    private static boolean ipLiteral(String value, int start, int end) {
        boolean future = value.charAt(start) == 'v' || value.charAt(start) == 'V';
        for (int i = start; i < end; i++) {
            char c = value.charAt(i);
            boolean hexOrSeparator = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
                    || c == ':' || c == '.';
            if (!(future ? c < IP_LITERAL.length && IP_LITERAL[c] : hexOrSeparator)) {
                return false;
            }
        }
        return true;
    }

    /** A port is digits; Helidon's check parsed it as an {@code int}, so an empty, signed or longer one is refused. */
    private static boolean port(String value, int start, int end) {
        if (start >= end || end - start > MAX_PORT_DIGITS) {
            return false;
        }
        for (int i = start; i < end; i++) {
            char c = value.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }
}
