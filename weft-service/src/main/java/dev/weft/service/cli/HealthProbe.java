package dev.weft.service.cli;

import io.helidon.http.HttpMediaType;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.HttpURLConnection;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * What {@code weft health URL} does: one {@code GET} of the service's readiness URL, its status and body printed,
 * the exit code from the status.
 *
 * <p>It runs as a container's health check (every 10 s in {@code docs/deploy/compose.yaml}), so a check is a whole
 * JVM start each time, and what it costs matters: it asks with {@link HttpURLConnection}, not
 * {@code java.net.http.HttpClient}, whose first request in a fresh JVM took 0.43-0.54 s (its selector thread and
 * its classes) against 0.05-0.06 s here (docs/BENCHMARKS.md, "Where a start goes"). It speaks HTTP/1.1 only (the
 * earlier client offered an upgrade to HTTP/2, which weft does not take), follows no redirect, and uses the JVM's
 * proxy settings as that client did. The timeout bounds the whole check, not each read: a service that answers a
 * byte at a time cannot keep a check running.
 */
final class HealthProbe {
    /** How long a check may take when {@code --timeout} is not given. */
    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);
    /** The most of an answer's body printed: a health body is a few hundred bytes. */
    static final int MAX_BODY = 64 * 1024;
    private static final Pattern HEALTH_PATH = Pattern.compile(".*/health(?:/(?:live|ready|started))?/?");
    private static final String NO_ANSWER = "no answer in time";

    private HealthProbe() {
    }

    /** An answer: its status and (the start of) its body. */
    private record Answer(int status, String body) {
    }

    /**
     * Asks the service once.
     *
     * @param url the service's base URL (with or without a proxy's path prefix) or one of its health URLs
     * @param timeout the longest the check may take, connecting included
     * @param out where the status and body go
     * @param err where a usage or connection problem goes
     * @return 0 for a 200, {@link WeftCommand#FAILED} for another status, {@link WeftCommand#USAGE} for a URL that
     *     is not one, {@link WeftCommand#CONFIG} when no answer came in time
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
        URI readiness = readinessUri(uri);
        HttpURLConnection connection;
        try {
            connection = (HttpURLConnection) readiness.toURL().openConnection();
        } catch (IOException e) {
            err.println("weft: " + readiness + " is unreachable: " + unreachableReason(e));
            return WeftCommand.CONFIG;
        }
        AtomicReference<Object> outcome = new AtomicReference<>();
        // the connection's own timeouts bound the connect and each read; the deadline bounds them together. A
        // platform thread: after a virtual thread's socket I/O the JVM took ~0.35 s longer to exit (JDK 25.0.3)
        Thread asking = Thread.ofPlatform().daemon().name("weft-health")
                .start(() -> outcome.set(ask(connection, timeout)));
        boolean done;
        try {
            done = asking.join(timeout.plusMillis(100));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            done = false;
        }
        if (!done) {
            connection.disconnect(); // closes the socket the read waits on
            err.println("weft: " + readiness + " is unreachable: " + NO_ANSWER);
            return WeftCommand.CONFIG;
        }
        return switch (outcome.get()) {
            case Answer answer -> {
                out.println(answer.status() + " " + answer.body());
                yield answer.status() == 200 ? 0 : WeftCommand.FAILED;
            }
            case IOException failure -> {
                err.println("weft: " + readiness + " is unreachable: " + unreachableReason(failure));
                yield WeftCommand.CONFIG;
            }
            case RuntimeException bug -> throw bug;
            case null, default -> throw new IllegalStateException("the health check ended without an outcome");
        };
    }

    /** @return the {@link Answer}, or the exception that kept it from coming */
    private static Object ask(HttpURLConnection connection, Duration timeout) {
        int millis = (int) Math.min(Integer.MAX_VALUE, Math.max(1, timeout.toMillis()));
        try {
            connection.setConnectTimeout(millis);
            connection.setReadTimeout(millis);
            connection.setInstanceFollowRedirects(false);
            connection.setUseCaches(false);
            int status = connection.getResponseCode();
            try (InputStream in = status >= 400 ? connection.getErrorStream() : connection.getInputStream()) {
                byte[] body = in == null ? new byte[0] : in.readNBytes(MAX_BODY);
                return new Answer(status, new String(body, charset(connection.getContentType())));
            }
        } catch (IOException | RuntimeException e) {
            return e;
        } finally {
            connection.disconnect();
        }
    }

    /**
     * @param contentType a {@code Content-Type} value, read by Helidon's media type parser
     * @return the charset it names, else UTF-8 (what weft's JSON is), also for one that cannot be read or is unknown
     */
    static Charset charset(@Nullable String contentType) {
        if (contentType == null) {
            return StandardCharsets.UTF_8;
        }
        try {
            return HttpMediaType.create(contentType).charset().map(Charset::forName).orElse(StandardCharsets.UTF_8);
        } catch (IllegalArgumentException unreadableOrUnknown) {
            return StandardCharsets.UTF_8;
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
            return NO_ANSWER;
        }
        if (failure instanceof java.net.UnknownHostException) {
            return "unknown host " + failure.getMessage();
        }
        return failure.getMessage() == null ? "the connection failed" : "the connection failed (" + failure
                .getMessage() + ")";
    }
}
