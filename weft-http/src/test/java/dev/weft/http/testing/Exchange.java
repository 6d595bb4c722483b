package dev.weft.http.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.zip.GZIPOutputStream;

/**
 * One request and its response inside a {@link FaultServer} connection, handed to a {@link Behavior}.
 * A behavior reads the request (head and, optionally, body) and sends exactly one response, or
 * {@link #reset() resets} the connection.
 *
 * <p>Confined to the connection's virtual thread: not thread-safe, not to be kept after the behavior returns.
 */
public final class Exchange {

    /** Unwinds a behavior after {@link #reset()}; the connection loop ends quietly. */
    static final class ResetException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        ResetException() {
            super("connection reset by the behavior", null, false, false);
        }
    }

    private final RecordedRequest request;
    private final Http1.CountingInputStream body;
    private final OutputStream out;
    private final Socket socket;
    private final Map<String, String> extraHeaders = new LinkedHashMap<>();
    private final boolean keepAliveRequested;
    private boolean gzip;
    private boolean responded;
    private boolean closeAfter;
    private final Consumer<RecordedRequest> recorder;
    private boolean recorded;

    Exchange(Http1.Head head, InputStream bodyStream, OutputStream out, Socket socket,
             Consumer<RecordedRequest> recorder) {
        this.recorder = recorder;
        this.request = head.request();
        this.body = new Http1.CountingInputStream(bodyStream);
        this.out = out;
        this.socket = socket;
        this.keepAliveRequested = head.keepAlive();
    }

    /**
     * The request head. Its {@link RecordedRequest#bodySize()} is -1: the body is read through {@link #body()}.
     *
     * @return the request as received
     */
    public RecordedRequest request() {
        return request;
    }

    /**
     * The request body, decoded from its Content-Length or chunked framing. Reading blocks until the client
     * sends. Whatever the behavior leaves unread is drained before the response starts, so the connection
     * stays usable. Closing the stream does not close the connection.
     *
     * @return the body stream (empty when the request has no body)
     */
    public InputStream body() {
        return body;
    }

    /**
     * Reads the whole request body as UTF-8. For small bodies only (tests that echo or inspect JSON).
     *
     * @return the body text
     * @throws IOException when the connection fails
     */
    public String bodyText() throws IOException {
        return new String(body.readAllBytes(), StandardCharsets.UTF_8);
    }

    /**
     * Adds headers to the response this exchange will send (used by {@link Behavior#withHeaders}).
     * Later values replace earlier ones of the same name.
     *
     * @param headers header names and values; no CR or LF allowed
     */
    public void addHeaders(Map<String, String> headers) {
        Objects.requireNonNull(headers, "headers");
        headers.forEach((name, value) -> extraHeaders.put(checkToken(name), checkValue(value)));
    }

    /** Makes the response this exchange sends gzip-encoded ({@code Content-Encoding: gzip}). */
    public void gzip() {
        gzip = true;
    }

    /**
     * Sends a complete response with a Content-Length body. The bytes are buffered and flushed when the
     * behavior returns. Drains the unread request body first.
     *
     * @param status the status code, 200-599
     * @param headers response headers (Content-Length and framing headers are set here)
     * @param content the body; ignored for HEAD, 204 and 304
     * @throws IOException when the connection fails
     */
    public void respond(int status, Map<String, String> headers, byte[] content) throws IOException {
        Objects.requireNonNull(content, "content");
        byte[] encoded = content;
        if (gzip && content.length > 0 && !Http1.bodyless(request.method(), status)) {
            ByteArrayOutputStream compressed = new ByteArrayOutputStream(content.length / 2 + 64);
            try (GZIPOutputStream zip = new GZIPOutputStream(compressed)) {
                zip.write(content);
            }
            encoded = compressed.toByteArray();
        }
        writeHead(status, headers, encoded.length, gzip && encoded != content);
        if (!Http1.bodyless(request.method(), status)) {
            out.write(encoded);
        }
    }

    /**
     * Starts a streamed response and returns its body stream. With {@code contentLength >= 0} the body has
     * that length; with -1 (or when {@link #gzip()} was called) it is sent chunked. {@code flush()} on the
     * returned stream pushes what was written to the client (one chunk per write when chunked). The behavior
     * must {@code close()} the stream to end the body; closing does not close the connection.
     *
     * @param status the status code
     * @param headers response headers
     * @param contentLength body length, or -1 for chunked
     * @return the open body stream; the caller closes it
     * @throws IOException when the connection fails
     */
    public OutputStream respondStreaming(int status, Map<String, String> headers, long contentLength)
            throws IOException {
        if (Http1.bodyless(request.method(), status)) {
            writeHead(status, headers, Math.max(contentLength, 0), false);
            return OutputStream.nullOutputStream();
        }
        if (gzip) {
            writeHead(status, headers, -1, true);
            return new GZIPOutputStream(new Http1.ChunkedOutputStream(out), 8192, true);
        }
        writeHead(status, headers, contentLength, false);
        return contentLength < 0 ? new Http1.ChunkedOutputStream(out) : new Http1.FixedLengthOutputStream(out, contentLength);
    }

    /**
     * Hands the behavior the connection's raw output for a response it writes itself, byte by byte (a head sent
     * one line at a time, say). Drains the unread request body first; the connection closes after the behavior
     * returns, since the server cannot tell where such a response ends.
     *
     * @return the connection's output; the behavior writes a whole response and flushes, and does not close it
     * @throws IOException when the connection fails
     */
    OutputStream respondRaw() throws IOException {
        if (responded) {
            throw new IllegalStateException("a response was already sent for " + request.method() + " " + request.path());
        }
        drainBody();
        record();
        responded = true;
        closeAfter = true;
        return out;
    }

    /**
     * Resets the connection: SO_LINGER 0 then close, so the client reads a TCP RST ("connection reset") instead
     * of a response. Drains nothing: call it after reading the body to reset "after the request arrived".
     * Never returns normally.
     *
     * @throws IOException never in practice; declared for symmetry with the other calls
     */
    public void reset() throws IOException {
        record();
        FaultServer.resetSocket(socket);
        throw new ResetException();
    }

    /**
     * Flushes what was written to the client.
     *
     * @throws IOException when the connection fails
     */
    public void flush() throws IOException {
        out.flush();
    }

    /**
     * Hands the request, with the body bytes read so far, to the server's recording, once. Called before the
     * client can see the outcome (response head written, reset), so a test that saw the outcome finds the
     * request recorded.
     */
    void record() {
        if (!recorded) {
            recorded = true;
            recorder.accept(request.withBodySize(body.count()));
        }
    }

    /** Whether a response head was written. */
    boolean responded() {
        return responded;
    }

    /** Whether the connection must close after this exchange. */
    boolean closeAfter() {
        return closeAfter;
    }

    /** Asks the connection to close after this response (adds {@code Connection: close}). */
    void closeAfterResponse() {
        closeAfter = true;
    }

    private void writeHead(int status, Map<String, String> headers, long contentLength, boolean gzipped)
            throws IOException {
        if (responded) {
            throw new IllegalStateException("a response was already sent for " + request.method() + " " + request.path());
        }
        if (status < 200 || status > 599) {
            throw new IllegalArgumentException("status must be 200-599, was " + status);
        }
        drainBody();
        record();
        responded = true;
        if (!keepAliveRequested) {
            closeAfter = true;
        }
        StringBuilder head = new StringBuilder(160)
                .append("HTTP/1.1 ").append(status).append(' ').append(Http1.reason(status)).append("\r\n");
        Map<String, String> all = new LinkedHashMap<>(headers);
        all.putAll(extraHeaders);
        all.forEach((name, value) -> head.append(checkToken(name)).append(": ").append(checkValue(value)).append("\r\n"));
        if (gzipped) {
            head.append("Content-Encoding: gzip\r\n");
        }
        boolean noBodyByStatus = (status >= 100 && status < 200) || status == 204 || status == 304;
        if (!noBodyByStatus) {
            if (contentLength < 0) {
                head.append("Transfer-Encoding: chunked\r\n");
            } else {
                head.append("Content-Length: ").append(contentLength).append("\r\n");
            }
        }
        if (closeAfter) {
            head.append("Connection: close\r\n");
        }
        head.append("\r\n");
        out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
    }

    /** Reads and drops the rest of the request body, so the next request on the connection starts in sync. */
    void drainBody() throws IOException {
        body.transferTo(OutputStream.nullOutputStream());
    }

    private static String checkToken(String name) {
        Objects.requireNonNull(name, "header name");
        if (name.isEmpty() || name.chars().anyMatch(c -> c <= ' ' || c == ':' || c >= 0x7f)) {
            throw new IllegalArgumentException("bad header name '" + name + "'");
        }
        return name;
    }

    private static String checkValue(String value) {
        Objects.requireNonNull(value, "header value");
        if (value.indexOf('\r') >= 0 || value.indexOf('\n') >= 0) {
            throw new IllegalArgumentException("header value with CR or LF");
        }
        return value;
    }
}
