package dev.weft.service.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.HttpURLConnection;
import java.net.Proxy;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.regex.Pattern;

/**
 * What {@code weft health URL} does: one {@code GET} of the service's readiness URL, its status and body printed,
 * the exit code from the status.
 *
 * <p>It runs as a container's health check (every 10 s in {@code docs/deploy/compose.yaml}), so a check is a whole
 * JVM start each time, and what it costs matters: it asks with {@link HttpURLConnection}, not
 * {@code java.net.http.HttpClient}, whose first request in a fresh JVM took 0.43-0.54 s (its selector thread and
 * its classes) against 0.05-0.06 s here (docs/BENCHMARKS.md, "Where a start goes"). Plain HTTP/1.1, no proxy and no
 * redirects, as the earlier client was set up.
 */
final class HealthProbe {
    /** How long a check waits to connect, and then for the answer, when {@code --timeout} is not given. */
    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);
    private static final Pattern HEALTH_PATH = Pattern.compile(".*/health(?:/(?:live|ready|started))?/?");

    private HealthProbe() {
    }

    /**
     * Asks the service once.
     *
     * @param url the service's base URL (with or without a proxy's path prefix) or one of its health URLs
     * @param timeout how long to wait to connect, and then for the answer
     * @param out where the status and body go
     * @param err where a usage or connection problem goes
     * @return 0 for a 200, {@link WeftCommand#FAILED} for another status, {@link WeftCommand#USAGE} for a URL that
     *     is not one, {@link WeftCommand#CONFIG} when no answer came
     */
    static int check(String url, Duration timeout, PrintStream out, PrintStream err) {
        URI uri;
        try {
            uri = URI.create(url);
            if (uri.getScheme() == null || uri.getHost() == null
                    || !(uri.getScheme().equalsIgnoreCase("http") || uri.getScheme().equalsIgnoreCase("https"))) {
                throw new IllegalArgumentException("no http(s) scheme or no host");
            }
            if (uri.getPort() > 65_535) {
                throw new IllegalArgumentException("port out of range");
            }
        } catch (IllegalArgumentException e) {
            err.println("weft: not a URL: " + url);
            return WeftCommand.USAGE;
        }
        uri = readinessUri(uri);
        int millis = (int) Math.min(Integer.MAX_VALUE, timeout.toMillis());
        HttpURLConnection connection = null;
        try {
            connection = (HttpURLConnection) uri.toURL().openConnection(Proxy.NO_PROXY);
            connection.setConnectTimeout(millis);
            connection.setReadTimeout(millis);
            connection.setInstanceFollowRedirects(false);
            connection.setUseCaches(false);
            int status = connection.getResponseCode();
            out.println(status + " " + body(connection, status));
            return status == 200 ? 0 : WeftCommand.FAILED;
        } catch (IOException e) {
            err.println("weft: " + uri + " is unreachable: " + unreachableReason(e));
            return WeftCommand.CONFIG;
        } finally {
            if (connection != null) {
                connection.disconnect();
            }
        }
    }

    private static String body(HttpURLConnection connection, int status) throws IOException {
        try (InputStream in = status >= 400 ? connection.getErrorStream() : connection.getInputStream()) {
            return in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /**
     * @param given the URL given: the service's base (with or without a path prefix a proxy adds, such as
     *     {@code http://host/weft}) or one of its health URLs
     * @return the URL to ask: a health URL as given, else the base's {@code health/ready}
     */
    static URI readinessUri(URI given) {
        String path = given.getRawPath() == null ? "" : given.getRawPath();
        if (HEALTH_PATH.matcher(path).matches()) {
            return given;
        }
        String base = path.endsWith("/") ? path : path + "/";
        return URI.create(given.getScheme() + "://" + given.getRawAuthority() + base + "health/ready");
    }

    /**
     * @param failure why the request did not get an answer
     * @return it in words: an operator reads this, not a class name
     */
    static String unreachableReason(IOException failure) {
        if (failure instanceof java.net.ConnectException) {
            return "connection refused (is the service running on that port?)";
        }
        if (failure instanceof SocketTimeoutException) {
            return "no answer in time";
        }
        if (failure instanceof java.net.UnknownHostException) {
            return "unknown host " + failure.getMessage();
        }
        return failure.getMessage() == null ? "the connection failed" : "the connection failed (" + failure
                .getMessage() + ")";
    }
}
