package dev.weft.http;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Optional;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.jspecify.annotations.Nullable;

/**
 * A response whose body is read as it arrives: lines (NDJSON), server-sent events, or raw bytes. It holds a
 * pooled connection and the host's bulkhead permit until {@link #close()}d, so use try-with-resources. The call's
 * deadline ended when the head arrived: the body is read at the caller's pace, each read blocking until data
 * arrives or the read timeout passes (the response timeout, or the time the call had left when its attempt started
 * if that is shorter). Confined to one thread; {@code close()} is idempotent.
 * {@snippet :
 * try (ApiStream events = api.get("/events").stream(); Stream<String> lines = events.lines()) {
 *     lines.forEach(System.out::println);
 * }
 * }
 */
public final class ApiStream implements AutoCloseable {
    private final int status;
    private final Map<String, List<String>> headers;
    private final InputStream body;
    private final Runnable onClose;
    private boolean closed;

    ApiStream(int status, Map<String, List<String>> headers, InputStream body, Runnable onClose) {
        this.status = status;
        this.headers = Map.copyOf(headers);
        this.body = body;
        this.onClose = onClose;
    }

    /**
     * Returns the HTTP status.
     *
     * @return the HTTP status
     */
    public int status() {
        return status;
    }

    /**
     * The first value of a header.
     *
     * @param name the header name, any case
     * @return the value, if present
     */
    public Optional<String> header(String name) {
        List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
        return values == null || values.isEmpty() ? Optional.empty() : Optional.of(values.getFirst());
    }

    /**
     * Returns the body as bytes, as they arrive (decompressed when the server compressed it). Its reads throw
     * weft-http's unchecked exceptions, never the transport's: {@link ApiConnectException} (code
     * {@code body_incomplete}) if the server ends the body early, {@link ApiTimeoutException} if no data comes
     * within the read timeout (see above), {@link ResponseFormatException} if it does not decode (a gzip body that
     * is not gzip), each with the transport's failure as its cause.
     *
     * @return the body as bytes, as they arrive (decompressed when the server compressed it)
     */
    public InputStream body() {
        return body;
    }

    /**
     * The body as UTF-8 lines, each delivered as soon as its newline arrives. Closing the returned stream closes
     * this response.
     *
     * @return the lines
     * @throws ApiException from the stream's operations if the body breaks off or times out (as {@link #body()})
     */
    public Stream<String> lines() {
        BufferedReader reader = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8), 8192);
        return reader.lines().onClose(this::close);
    }

    /**
     * The body parsed as {@code text/event-stream}; comments and retry fields are skipped. An event is delivered
     * only when its blank line arrives: if the body ends inside an event, that incomplete event is dropped.
     *
     * @return the events, each delivered when its blank line arrives
     * @throws ApiException from the stream's operations if the body breaks off or times out (as {@link #body()})
     */
    public Stream<ServerSentEvent> events() {
        BufferedReader reader = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8), 8192);
        Iterator<ServerSentEvent> iterator = new Iterator<>() {
            private @Nullable ServerSentEvent next;

            @Override
            public boolean hasNext() {
                if (next == null) {
                    next = readEvent(reader);
                }
                return next != null;
            }

            @Override
            public ServerSentEvent next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                ServerSentEvent event = Objects.requireNonNull(next, "next"); // hasNext() read it
                next = null;
                return event;
            }
        };
        return StreamSupport.stream(Spliterators.spliteratorUnknownSize(iterator, Spliterator.ORDERED), false)
                .onClose(this::close);
    }

    private static @Nullable ServerSentEvent readEvent(BufferedReader reader) {
        String id = null;
        String event = "message";
        StringBuilder data = null;
        try {
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                if (line.isEmpty()) {
                    if (data != null) {
                        return new ServerSentEvent(id, event, data.toString());
                    }
                    continue;
                }
                if (line.startsWith(":")) {
                    continue;
                }
                int colon = line.indexOf(':');
                String field = colon < 0 ? line : line.substring(0, colon);
                String value = colon < 0 ? "" : line.substring(colon + 1);
                if (value.startsWith(" ")) {
                    value = value.substring(1);
                }
                switch (field) {
                    case "data" -> data = data == null ? new StringBuilder(value) : data.append('\n').append(value);
                    case "event" -> event = value;
                    case "id" -> id = value;
                    default -> {
                        // "retry" and unknown fields carry nothing a reader of the stream needs
                    }
                }
            }
            // An event is complete only at its blank line: one the body ends inside was cut off (a server that
            // stopped mid-event) and is dropped, as the SSE spec and browsers do, rather than handed on half-sent.
            return null;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Releases the connection and the bulkhead permit; an unread rest of the body closes the connection. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        onClose.run();
    }
}
