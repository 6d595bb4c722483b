package dev.weft.http;

import dev.weft.core.InvalidInputException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Where a request goes: the expanded URI, its {@code host:port} and the template used as the metrics tag.
 * {@link #resolve} is the one place paths are checked and encoded, so path traversal, header-splitting characters
 * and hosts off the allowlist are refused before anything is sent.
 */
record RequestTarget(URI uri, String authority, String uriTemplate) {
    private static final String HEX = "0123456789ABCDEF";
    private static final java.util.regex.Pattern OTHER_SCHEME = java.util.regex.Pattern.compile("^[a-z][a-z0-9+.-]*:.*");

    static RequestTarget resolve(ApiConfig config, String template, Map<String, String> params,
            List<Map.Entry<String, String>> query) {
        String lower = template.toLowerCase(Locale.ROOT);
        boolean absolute = lower.startsWith("http://") || lower.startsWith("https://");
        if (!absolute && !lower.startsWith("/") && OTHER_SCHEME.matcher(lower).matches()) {
            throw new InvalidInputException("invalid_path", "path", "only http and https URLs are allowed");
        }
        String scheme;
        String rawAuthority;
        String basePath;
        String pathTemplate;
        String rawQuery = null;
        if (absolute) {
            int start = template.indexOf("://") + 3;
            int question = template.indexOf('?', start);
            String beforeQuery = question < 0 ? template : template.substring(0, question);
            if (question >= 0) {
                // An absolute URL may carry its own (already encoded) query, as a webhook URL does.
                rawQuery = checkRawQuery(template.substring(question + 1));
            }
            int slash = beforeQuery.indexOf('/', start);
            scheme = lower.substring(0, start - 3);
            rawAuthority = slash < 0 ? beforeQuery.substring(start) : beforeQuery.substring(start, slash);
            basePath = "";
            pathTemplate = slash < 0 ? "/" : beforeQuery.substring(slash);
        } else {
            scheme = config.baseUrl().getScheme().toLowerCase(Locale.ROOT);
            rawAuthority = config.baseUrl().getRawAuthority();
            String path = config.baseUrl().getRawPath();
            basePath = path == null || path.equals("/") ? "" : stripTrailingSlash(path);
            pathTemplate = template.isEmpty() || template.startsWith("/") ? template : "/" + template;
        }
        String path = basePath + expand(pathTemplate, params);
        StringBuilder text = new StringBuilder(scheme).append("://").append(rawAuthority).append(path);
        if (rawQuery != null) {
            text.append('?').append(rawQuery);
        }
        appendQuery(text, query, rawQuery == null ? '?' : '&');
        URI uri;
        try {
            uri = new URI(text.toString());
        } catch (URISyntaxException e) {
            throw new InvalidInputException("invalid_path", "path", "not a valid URL: " + e.getReason(), e);
        }
        if (uri.getHost() == null || uri.getRawUserInfo() != null) {
            throw new InvalidInputException("invalid_path", "path", "URL has no host or carries user info");
        }
        String authority = Hosts.authority(uri);
        boolean listed = !absolute || listed(config, authority);
        if (!listed && !config.anyHost()) {
            throw new DisallowedHostException(config.name(), authority);
        }
        // A URL admitted only by anyHost came from data (a webhook's), not from code: its path is no template,
        // and as a metric tag it would be unbounded (CallMetrics also hides its host).
        String templateTag = !absolute ? pathTemplate
                : scheme + "://" + authority + (listed ? pathTemplate : "/{path}");
        return new RequestTarget(uri, authority, templateTag.isEmpty() ? "/" : templateTag);
    }

    /**
     * @return whether code named {@code authority} (the base URL's or an allowlisted host), as opposed to a host only
     *     {@code anyHost} admits, which is data
     */
    static boolean listed(ApiConfig config, String authority) {
        return authority.equals(config.baseAuthority()) || allowed(config.allowedHosts(), authority);
    }

    private static boolean allowed(Set<String> allowlist, String authority) {
        for (String entry : allowlist) {
            if (Hosts.admits(entry, authority)) {
                return true;
            }
        }
        return false;
    }

    private static String stripTrailingSlash(String path) {
        return path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    }

    /** Expands {@code {name}} placeholders segment by segment; every literal character must already be legal. */
    private static String expand(String template, Map<String, String> params) {
        StringBuilder out = new StringBuilder(template.length() + 16);
        int segmentStart = 0;
        for (int i = 0; i <= template.length(); i++) {
            if (i == template.length() || template.charAt(i) == '/') {
                String segment = expandSegment(template.substring(segmentStart, i), params);
                if (segment.equals(".") || segment.equals("..")) {
                    throw new InvalidInputException("invalid_path", "path",
                            "path must not contain '.' or '..' segments");
                }
                out.append(segment);
                if (i < template.length()) {
                    out.append('/');
                }
                segmentStart = i + 1;
            }
        }
        return out.toString();
    }

    private static String expandSegment(String segment, Map<String, String> params) {
        StringBuilder out = new StringBuilder(segment.length());
        for (int i = 0; i < segment.length(); i++) {
            char c = segment.charAt(i);
            if (c == '{') {
                int end = segment.indexOf('}', i);
                if (end < 0) {
                    throw new InvalidInputException("invalid_path", "path", "unclosed '{' in path template");
                }
                String name = segment.substring(i + 1, end);
                String value = params.get(name);
                if (value == null) {
                    throw new InvalidInputException("missing_path_param", "path." + name,
                            "path parameter '" + name + "' has no value");
                }
                out.append(encode(value));
                i = end;
            } else if (c == '%' && i + 2 < segment.length() && isHex(segment.charAt(i + 1))
                    && isHex(segment.charAt(i + 2))) {
                out.append(c);
            } else if (isPathChar(c)) {
                out.append(c);
            } else {
                throw new InvalidInputException("invalid_path", "path", "path contains character U+"
                        + String.format("%04X", (int) c) + "; pass such values as path or query parameters");
            }
        }
        String expanded = out.toString();
        if (expanded.equalsIgnoreCase("%2e") || expanded.equalsIgnoreCase("%2e%2e") || expanded.equalsIgnoreCase(".%2e")
                || expanded.equalsIgnoreCase("%2e.")) {
            return "..";
        }
        return expanded;
    }

    /** An absolute URL's own query: RFC 3986 query characters and well-formed percent escapes only. */
    private static String checkRawQuery(String rawQuery) {
        for (int i = 0; i < rawQuery.length(); i++) {
            char c = rawQuery.charAt(i);
            boolean escape = c == '%' && i + 2 < rawQuery.length() && isHex(rawQuery.charAt(i + 1))
                    && isHex(rawQuery.charAt(i + 2));
            if (!escape && !isPathChar(c) && c != '/' && c != '?') {
                throw new InvalidInputException("invalid_path", "path", "query contains character U+"
                        + String.format("%04X", (int) c) + "; pass such values as query parameters");
            }
        }
        return rawQuery;
    }

    private static void appendQuery(StringBuilder text, List<Map.Entry<String, String>> query, char first) {
        char separator = first;
        for (Map.Entry<String, String> parameter : query) {
            text.append(separator).append(encode(parameter.getKey())).append('=').append(encode(parameter.getValue()));
            separator = '&';
        }
    }

    /** Percent-encodes everything but RFC 3986 unreserved characters, so a value is always one opaque segment. */
    static String encode(String value) {
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        StringBuilder out = new StringBuilder(bytes.length + 8);
        for (byte b : bytes) {
            int c = b & 0xff;
            if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.'
                    || c == '_' || c == '~') {
                out.append((char) c);
            } else {
                out.append('%').append(HEX.charAt(c >> 4)).append(HEX.charAt(c & 0xf));
            }
        }
        return out.toString();
    }

    private static boolean isHex(char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }

    /** RFC 3986 pchar without '%' (handled apart): unreserved, sub-delims, ':' and '@'. */
    private static boolean isPathChar(char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
                || "-._~!$&'()*+,;=:@".indexOf(c) >= 0;
    }
}
