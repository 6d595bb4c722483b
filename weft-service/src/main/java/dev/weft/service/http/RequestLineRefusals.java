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
import java.util.regex.Pattern;

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
    /** The most of a refused request read before answering: its headers, so that closing does not reset them. */
    private static final int MAX_DRAINED = 16 * 1024;
    private static final int MAX_INSTANCE = 2048;
    static final String VERSION_DETAIL = "this server speaks HTTP/1.1: send the request as HTTP/1.1"
            + " (behind nginx: proxy_http_version 1.1)";
    static final String LINE_DETAIL = "the request line could not be read";

    private final Json json;

    RequestLineRefusals(Json json) {
        this.json = Objects.requireNonNull(json, "json");
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

    /** One refused connection: reads the request's head, writes the 505, and ends (the server then closes it). */
    private final class Refusal implements ServerConnection {
        private final ConnectionContext context;

        Refusal(ConnectionContext context) {
            this.context = context;
        }

        @Override
        public void handle(Limit limit) {
            String head = readHead(context.dataReader());
            int lineEnd = head.indexOf('\n');
            String line = lineEnd < 0 ? head : head.substring(0, lineEnd + 1);
            boolean version = OTHER_VERSION.matcher(line.substring(0, Math.max(0, line.length() - 1))).matches();
            String[] parts = line.split(" ", 3);
            String target = version ? parts[1] : "/";
            String instance = target.startsWith("/") && target.length() <= MAX_INSTANCE
                    && target.chars().allMatch(c -> c > 0x20 && c < 0x7f) ? target : "/";
            byte[] body = json.write(version
                    ? ProblemErrorHandler.body(505, "http_version_not_supported", VERSION_DETAIL, instance, List.of())
                    : ProblemErrorHandler.body(400, "bad_request", LINE_DETAIL, instance, List.of()));
            String headers = (version ? "HTTP/1.1 505 HTTP Version Not Supported\r\n" : "HTTP/1.1 400 Bad Request\r\n")
                    + "Content-Type: application/problem+json\r\n"
                    + "Content-Length: " + body.length + "\r\n"
                    + RequestIdFilter.REQUEST_ID_HEADER.defaultCase() + ": " + RequestIdFilter.newRequestId() + "\r\n"
                    + "Connection: close\r\n\r\n";
            BufferData answer = BufferData.create(headers.getBytes(StandardCharsets.US_ASCII));
            context.dataWriter().writeNow(BufferData.create(answer, BufferData.create(body)));
        }

        @Override
        public Duration idleTime() {
            return Duration.ZERO;
        }

        @Override
        public void close(boolean interrupt) {
            // nothing held: handle writes once and returns
        }
    }

    /**
     * @param reader the connection's bytes
     * @return the request's head, up to its blank line or {@link #MAX_DRAINED} bytes, whichever comes first
     */
    private static String readHead(DataReader reader) {
        StringBuilder head = new StringBuilder();
        try {
            while (head.indexOf("\r\n\r\n") < 0 && head.length() < MAX_DRAINED) {
                reader.ensureAvailable();
                int available = Math.min(reader.available(), MAX_DRAINED - head.length());
                head.append(reader.readBuffer(available).readString(available, StandardCharsets.ISO_8859_1));
            }
        } catch (DataReader.InsufficientDataAvailableException e) {
            // the client stopped sending: answer what came
        }
        return head.toString();
    }
}
