package dev.weft.service.http;

import dev.weft.service.Json;
import io.helidon.common.buffers.BufferData;
import io.helidon.common.buffers.DataReader;
import io.helidon.common.concurrency.limits.Limit;
import io.helidon.webserver.ConnectionContext;
import io.helidon.webserver.spi.ServerConnection;
import io.helidon.webserver.spi.ServerConnectionSelector;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Answers a connection whose first line is not an HTTP/1.1 request line, as problem+json, then closes it: a request
 * in another HTTP version ({@code HTTP/1.0}, a request line with {@code HTTP/2.0}) gets
 * {@code 505 http_version_not_supported}, any other line {@code 400 bad_request}. Helidon's HTTP/1 server takes
 * HTTP/1.1 only and closed such a connection without a word, so a client saw an empty reply; nginx in front, which
 * speaks HTTP/1.0 to its upstream unless told {@code proxy_http_version 1.1}, reported only that the upstream closed
 * the connection.
 *
 * <p>Thread-safe; each connection is confined to its own thread.
 */
final class RequestLineRefusals implements ServerConnectionSelector {
    private static final String HTTP_11 = " HTTP/1.1\r";
    /** A request line in another version than 1.1. */
    private static final Pattern OTHER_VERSION = Pattern.compile("[A-Z]+ \\S+ HTTP/\\d\\.\\d\\r");
    /** The most of a refused request read and dropped, so that closing does not reset the connection. */
    private static final int MAX_DRAINED = 64 * 1024;
    /** The longest a refused connection is kept to drain it. */
    private static final Duration DRAIN_LIMIT = Duration.ofSeconds(2);
    private static final int MAX_INSTANCE = 2048;
    private static final Pattern CONTENT_LENGTH = Pattern.compile("(?im)^content-length:[ \\t]*(\\d{1,12})[ \\t]*\\r?$");
    static final String VERSION_DETAIL = "this server speaks HTTP/1.1: send the request as HTTP/1.1"
            + " (behind nginx: proxy_http_version 1.1)";
    static final String LINE_DETAIL = "the request line could not be read";

    private final Json json;
    private final EdgeRejections rejections;

    RequestLineRefusals(Json json, EdgeRejections rejections) {
        this.json = Objects.requireNonNull(json, "json");
        this.rejections = Objects.requireNonNull(rejections, "rejections");
    }

    @Override
    public int bytesToIdentifyConnection() {
        return 0; // the request line, however long: like Helidon's HTTP/1 selector
    }

    @Override
    public Support supports(BufferData data) {
        int end = data.indexOf((byte) '\n');
        if (end < 0) {
            return Support.UNSUPPORTED; // not a whole line yet: HTTP/1's selector takes it and answers its errors
        }
        // HTTP/1.1's request lines go to Helidon's HTTP/1 connection, which answers their own errors
        return data.readString(end, StandardCharsets.US_ASCII).endsWith(HTTP_11) ? Support.UNSUPPORTED
                : Support.SUPPORTED;
    }

    @Override
    public Set<String> supportedApplicationProtocols() {
        return Set.of();
    }

    @Override
    public ServerConnection connection(ConnectionContext context) {
        return new Refusal(context);
    }

    /**
     * One refused connection: answers from the bytes that came with the request line, then reads (and drops) what
     * the client still sends, up to {@link #MAX_DRAINED} bytes and for at most {@link #DRAIN_LIMIT}, so that closing
     * with unread bytes does not reset the connection before the client reads the answer (an HTTP/1.0 POST's body).
     * A client that stops sending but keeps the connection open is cut off at the limit.
     */
    private final class Refusal implements ServerConnection {
        private final ConnectionContext context;
        private final Object lock = new Object();
        private volatile long startedNanos = System.nanoTime();
        private @Nullable Thread handler;
        private boolean done;

        Refusal(ConnectionContext context) {
            this.context = context;
        }

        @Override
        public void handle(Limit limit) {
            startedNanos = System.nanoTime();
            synchronized (lock) {
                handler = Thread.currentThread();
            }
            Thread watchdog = Thread.ofVirtual().name("weft-refused-connection").start(this::cutOffWhenLate);
            try {
                DataReader reader = context.dataReader();
                String received = take(reader, MAX_DRAINED); // the request line at least: the selector saw it
                context.dataWriter().writeNow(answer(received));
                drainRequest(reader, received);
            } catch (RuntimeException e) {
                // the client went away, or was cut off at the limit: nothing more to say to it
            } finally {
                synchronized (lock) {
                    done = true; // no interrupt can come after this
                }
                watchdog.interrupt();
                Thread.interrupted();
            }
        }

        private void cutOffWhenLate() {
            try {
                Thread.sleep(DRAIN_LIMIT);
            } catch (InterruptedException e) {
                return; // handled in time
            }
            interruptHandler();
        }

        private void interruptHandler() {
            synchronized (lock) {
                if (!done && handler != null) {
                    handler.interrupt(); // a virtual thread interrupted in a socket read closes the socket
                }
            }
        }

        @Override
        public Duration idleTime() {
            return Duration.ofNanos(System.nanoTime() - startedNanos);
        }

        @Override
        public void close(boolean interrupt) {
            if (interrupt) {
                interruptHandler();
            }
        }
    }

    /** @return the answer to a connection whose first bytes are these */
    private BufferData answer(String received) {
        int lineEnd = received.indexOf('\n');
        String line = lineEnd < 0 ? received : received.substring(0, lineEnd + 1);
        boolean version = OTHER_VERSION.matcher(line.substring(0, Math.max(0, line.length() - 1))).matches();
        String[] parts = line.split(" ", 3);
        String target = version ? parts[1] : "/";
        String instance = target.startsWith("/") && target.length() <= MAX_INSTANCE
                && target.chars().allMatch(c -> c > 0x20 && c < 0x7f) ? target : "/";
        String requestId = RequestIdFilter.newRequestId();
        rejections.rejected(version ? parts[0] : "", version ? 505 : 400,
                version ? "http_version_not_supported" : "bad_request", requestId);
        byte[] body = json.write(version
                ? ProblemErrorHandler.body(505, "http_version_not_supported", VERSION_DETAIL, instance, List.of())
                : ProblemErrorHandler.body(400, "bad_request", LINE_DETAIL, instance, List.of()));
        String head = (version ? "HTTP/1.1 505 HTTP Version Not Supported\r\n" : "HTTP/1.1 400 Bad Request\r\n")
                + "Content-Type: application/problem+json\r\n"
                + "Content-Length: " + body.length + "\r\n"
                + RequestIdFilter.REQUEST_ID_HEADER.defaultCase() + ": " + requestId + "\r\n"
                + "Connection: close\r\n\r\n";
        return BufferData.create(BufferData.create(head.getBytes(StandardCharsets.US_ASCII)), BufferData.create(body));
    }

    /** @return up to {@code most} of the bytes the reader holds, waiting for some only if it holds none */
    private static String take(DataReader reader, int most) {
        if (reader.available() == 0) {
            reader.ensureAvailable();
        }
        int count = Math.min(reader.available(), most);
        return reader.readBuffer(count).readString(count, StandardCharsets.ISO_8859_1);
    }

    /**
     * Reads and drops the rest of the request: its head up to the blank line, then as much of the body as its
     * {@code Content-Length} declares, all within {@link #MAX_DRAINED} bytes. A client that sent the whole request is
     * not waited for; one that sends less is cut off by the watchdog.
     */
    private static void drainRequest(DataReader reader, String received) {
        StringBuilder head = new StringBuilder(received);
        int end;
        while ((end = headEnd(head)) < 0 && head.length() < MAX_DRAINED) {
            head.append(take(reader, MAX_DRAINED - head.length()));
        }
        if (end < 0) {
            return;
        }
        Matcher declared = CONTENT_LENGTH.matcher(head.substring(0, end));
        long body = declared.find() ? Long.parseLong(declared.group(1)) : 0;
        for (long left = Math.min(body, MAX_DRAINED) - (head.length() - end); left > 0; ) {
            reader.ensureAvailable();
            int count = (int) Math.min(reader.available(), left);
            reader.skip(count);
            left -= count;
        }
    }

    /** @return where the body starts (after the blank line, CRLF or bare LF), or -1 if the head is not whole yet */
    private static int headEnd(CharSequence head) {
        String text = head.toString();
        int crlf = text.indexOf("\r\n\r\n");
        int lf = text.indexOf("\n\n");
        if (crlf >= 0 && (lf < 0 || crlf < lf)) {
            return crlf + 4;
        }
        return lf >= 0 ? lf + 2 : -1;
    }
}
