package dev.weft.http;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The keys of the {@link ResponseCache}. The cache may be shared by every instance (a Redis cache), so it is a shared
 * cache in RFC 9111's sense and must never answer one user with another's response: a request that carries
 * credentials ({@code Authorization}, {@code Proxy-Authorization}, {@code Cookie}, the config's API key header, or
 * the client's own bearer token, API key or credential default headers, which go to the base host) is keyed by a SHA-256 digest of them, so
 * each credential gets its own entries and the values never appear in a key. The path and query are digested too:
 * an API key passed as a query parameter ({@code ?key=...}) or a token in a webhook's path would otherwise be
 * readable by anyone who can list a shared cache's keys. The digest is salted with the client's
 * name only, so a weak credential (a Basic password) could still be guessed from a key by someone who can list the
 * cache's keys; tokens cannot. Thread-safe.
 */
final class CacheKeys {
    /**
     * Version of the key format: entries stored under an older format (which ignored credentials, then kept the
     * path and query readable) are never read.
     */
    private static final String FORMAT = "3";
    private static final Set<String> STANDARD_CREDENTIALS = Set.of("authorization", "proxy-authorization", "cookie");

    private final String prefix;
    private final String client;
    private final String baseAuthority;
    private final AuthConfig auth;
    private final Set<String> credentialHeaders;
    /** The credentials among the config's default headers (sent to the base host), by lowercase name. */
    private final Map<String, String> defaultCredentials;

    CacheKeys(ApiConfig config) {
        this.client = config.name();
        this.prefix = "http:" + client + ":" + FORMAT + ":";
        this.baseAuthority = config.baseAuthority();
        this.auth = config.auth();
        Set<String> names = new HashSet<>(STANDARD_CREDENTIALS);
        names.add(auth.apiKeyHeader().toLowerCase(Locale.ROOT));
        this.credentialHeaders = Set.copyOf(names);
        Map<String, String> defaults = new TreeMap<>();
        config.defaultHeaders().forEach((name, value) -> {
            if (Headers.credential(config, name)) {
                defaults.put(name.toLowerCase(Locale.ROOT), value);
            }
        });
        this.defaultCredentials = Map.copyOf(defaults);
    }

    /**
     * The key of a GET: the URI's scheme and authority, a digest of its path and query, and a digest of the
     * credentials the request will carry, if any.
     *
     * @param uri the full request URI
     * @param authority its {@code host:port}; the client's own credentials go only to the base URL's
     * @param headers the caller's headers, in the order they were added
     */
    String key(URI uri, String authority, List<Map.Entry<String, String>> headers) {
        // Mirrors what AttemptRunner sends: the client's credentials first, a caller's header of the same name
        // replacing them (one value per name on the wire); sorted, so the order of header() calls does not matter.
        Map<String, String> credentials = new TreeMap<>();
        if (authority.equals(baseAuthority)) {
            defaultCredentials.forEach(credentials::put);
            if (!auth.bearerToken().isEmpty()) {
                credentials.put("authorization", "Bearer " + auth.bearerToken().reveal());
            }
            if (!auth.apiKey().isEmpty()) {
                credentials.put(auth.apiKeyHeader().toLowerCase(Locale.ROOT), auth.apiKey().reveal());
            }
        }
        for (Map.Entry<String, String> header : headers) {
            String name = header.getKey().toLowerCase(Locale.ROOT);
            if (credentialHeaders.contains(name)) {
                credentials.put(name, header.getValue());
            }
        }
        String target = uri.getScheme() + "://" + uri.getRawAuthority() + "/" + digest("target",
                new TreeMap<>(Map.of("path", String.valueOf(uri.getRawPath()),
                        "query", String.valueOf(uri.getRawQuery()))));
        return credentials.isEmpty() ? prefix + target : prefix + "u=" + digest(client, credentials) + ":" + target;
    }

    /**
     * A digest of the request's values of the headers a response varies on, so an entry is only served to a request
     * that would have been answered the same; the values themselves (perhaps a cookie) are not stored.
     *
     * @param varied the lowercase names from the response's {@code Vary}
     * @param headers the caller's headers
     */
    static String varyDigest(List<String> varied, List<Map.Entry<String, String>> headers) {
        Map<String, String> values = new TreeMap<>();
        for (String name : varied) {
            values.put(name, "");
        }
        for (Map.Entry<String, String> header : headers) {
            String name = header.getKey().toLowerCase(Locale.ROOT);
            if (values.containsKey(name)) {
                values.put(name, "=" + header.getValue());
            }
        }
        return digest("vary", values);
    }

    private static String digest(String salt, Map<String, String> values) {
        MessageDigest sha256;
        try {
            sha256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
        sha256.update(salt.getBytes(StandardCharsets.UTF_8));
        values.forEach((name, value) -> {
            // NUL and LF cannot occur in a checked header name or value, so the encoding is unambiguous.
            sha256.update(("\0" + name + "\n" + value).getBytes(StandardCharsets.UTF_8));
        });
        return HexFormat.of().formatHex(sha256.digest());
    }
}
