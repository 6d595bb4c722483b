package dev.weft.http;

import java.net.URI;
import java.util.Locale;

/** Host and authority helpers: one spelling of {@code host:port} for breakers, limits, metrics and the SSRF check. */
final class Hosts {
    private Hosts() {
    }

    /** The URI's lowercase {@code host:port}, with the scheme's default port filled in. */
    static String authority(URI uri) {
        return authority(uri.getScheme(), uri.getHost(), uri.getPort());
    }

    /** The lowercase {@code host:port}; a negative port is the scheme's default (443 for https, else 80). */
    static String authority(String scheme, String host, int port) {
        int effective = port >= 0 ? port : "https".equalsIgnoreCase(scheme) ? 443 : 80;
        return host.toLowerCase(Locale.ROOT) + ":" + effective;
    }

    /** Whether an allowlist entry ({@code host} or {@code host:port}) admits the authority. */
    static boolean admits(String entry, String authority) {
        String lower = entry.toLowerCase(Locale.ROOT);
        if (lower.lastIndexOf(':') > lower.lastIndexOf(']')) {
            return lower.equals(authority);
        }
        return authority.substring(0, authority.lastIndexOf(':')).equals(lower);
    }
}
