package dev.weft.http.testing;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The HTTP/1.1 wire format the {@link FaultServer} needs: request heads, request body framing
 * (Content-Length, chunked) and response body framing. Not thread-safe: one connection's streams.
 */
final class Http1 {

    static final int MAX_HEAD_BYTES = 64 * 1024;

    private Http1() {
    }

    /** A malformed request: the server answers 400 and closes the connection. */
    static final class BadRequestException extends IOException {
        private static final long serialVersionUID = 1L;

        BadRequestException(String message) {
            super(message);
        }
    }

    /** A parsed request head plus the framing facts the connection loop needs. */
    record Head(RecordedRequest request, String version, long contentLength, boolean chunked,
                boolean expectContinue, boolean keepAlive) {

        boolean hasBody() {
            return chunked || contentLength > 0;
        }
    }

    /**
     * Reads one request head.
     *
     * @return the head, or null on a clean end of stream before the first byte
     */
    static Head readHead(InputStream in) throws IOException {
        byte[] line = new byte[256];
        int[] budget = {MAX_HEAD_BYTES};
        String requestLine = readLine(in, line, budget, true);
        while (requestLine != null && requestLine.isEmpty()) {
            requestLine = readLine(in, line, budget, true); // RFC 9112 §2.2: ignore leading empty lines
        }
        if (requestLine == null) {
            return null;
        }
        int firstSpace = requestLine.indexOf(' ');
        int lastSpace = requestLine.lastIndexOf(' ');
        if (firstSpace <= 0 || lastSpace <= firstSpace) {
            throw new BadRequestException("malformed request line");
        }
        String method = requestLine.substring(0, firstSpace);
        String target = requestLine.substring(firstSpace + 1, lastSpace);
        String version = requestLine.substring(lastSpace + 1);
        if (!version.startsWith("HTTP/1.")) {
            throw new BadRequestException("unsupported version " + version);
        }
        if (target.startsWith("http://") || target.startsWith("https://")) {
            int slash = target.indexOf('/', target.indexOf("//") + 2);
            target = slash < 0 ? "/" : target.substring(slash);
        }
        int question = target.indexOf('?');
        String path = question < 0 ? target : target.substring(0, question);
        String query = question < 0 ? "" : target.substring(question + 1);

        Map<String, List<String>> headers = new LinkedHashMap<>();
        long contentLength = 0;
        boolean chunked = false;
        boolean expectContinue = false;
        String connection = "";
        String headerLine;
        while (!(headerLine = readLine(in, line, budget, false)).isEmpty()) {
            int colon = headerLine.indexOf(':');
            if (colon <= 0) {
                throw new BadRequestException("malformed header line");
            }
            String name = headerLine.substring(0, colon).trim();
            String value = headerLine.substring(colon + 1).trim();
            headers.computeIfAbsent(name, unused -> new ArrayList<>(1)).add(value);
            switch (name.toLowerCase(Locale.ROOT)) {
                case "content-length" -> {
                    try {
                        contentLength = Long.parseLong(value);
                    } catch (NumberFormatException e) {
                        throw new BadRequestException("bad Content-Length");
                    }
                    if (contentLength < 0) {
                        throw new BadRequestException("bad Content-Length");
                    }
                }
                case "transfer-encoding" -> chunked = value.toLowerCase(Locale.ROOT).contains("chunked");
                case "expect" -> expectContinue = value.equalsIgnoreCase("100-continue");
                case "connection" -> connection = value.toLowerCase(Locale.ROOT);
                default -> {
                    // other headers are only recorded
                }
            }
        }
        boolean keepAlive = version.equals("HTTP/1.0")
                ? connection.contains("keep-alive")
                : !connection.contains("close");
        RecordedRequest request = new RecordedRequest(method, path, query, headers, -1);
        return new Head(request, version, chunked ? -1 : contentLength, chunked, expectContinue, keepAlive);
    }

    /**
     * Reads a line ending in LF (CR before it dropped) as ISO-8859-1.
     *
     * @return the line, or null at end of stream before any byte when {@code eofAllowed}
     */
    private static String readLine(InputStream in, byte[] buffer, int[] budget, boolean eofAllowed)
            throws IOException {
        byte[] line = buffer;
        int length = 0;
        while (true) {
            int next = in.read();
            if (next < 0) {
                if (length == 0 && eofAllowed) {
                    return null;
                }
                throw new EOFException("connection closed inside a request head");
            }
            if (--budget[0] < 0) {
                throw new BadRequestException("request head larger than " + MAX_HEAD_BYTES + " bytes");
            }
            if (next == '\n') {
                if (length > 0 && line[length - 1] == '\r') {
                    length--;
                }
                return new String(line, 0, length, StandardCharsets.ISO_8859_1);
            }
            if (length == line.length) {
                line = java.util.Arrays.copyOf(line, line.length * 2);
            }
            line[length++] = (byte) next;
        }
    }

    /** A request body of a known length; never reads past it. */
    static final class FixedLengthInputStream extends InputStream {
        private final InputStream in;
        private long remaining;

        FixedLengthInputStream(InputStream in, long length) {
            this.in = in;
            this.remaining = length;
        }

        @Override
        public int read() throws IOException {
            if (remaining <= 0) {
                return -1;
            }
            int next = in.read();
            if (next < 0) {
                throw new EOFException("connection closed with " + remaining + " body bytes missing");
            }
            remaining--;
            return next;
        }

        @Override
        public int read(byte[] target, int offset, int length) throws IOException {
            if (remaining <= 0) {
                return -1;
            }
            int count = in.read(target, offset, (int) Math.min(length, remaining));
            if (count < 0) {
                throw new EOFException("connection closed with " + remaining + " body bytes missing");
            }
            remaining -= count;
            return count;
        }

        @Override
        public int available() throws IOException {
            return (int) Math.min(in.available(), remaining);
        }
    }

    /** A request body in chunked transfer coding (RFC 9112 §7.1); trailers are read and dropped. */
    static final class ChunkedInputStream extends InputStream {
        private final InputStream in;
        private final byte[] line = new byte[64];
        private long chunkRemaining;
        private boolean done;

        ChunkedInputStream(InputStream in) {
            this.in = in;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int count = read(one, 0, 1);
            return count < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] target, int offset, int length) throws IOException {
            if (done) {
                return -1;
            }
            if (chunkRemaining == 0) {
                nextChunk();
                if (done) {
                    return -1;
                }
            }
            int count = in.read(target, offset, (int) Math.min(length, chunkRemaining));
            if (count < 0) {
                throw new EOFException("connection closed inside a chunk");
            }
            chunkRemaining -= count;
            if (chunkRemaining == 0) {
                expectCrLf();
            }
            return count;
        }

        private void nextChunk() throws IOException {
            int[] budget = {MAX_HEAD_BYTES};
            String sizeLine = readLine(in, line, budget, false);
            int semicolon = sizeLine.indexOf(';');
            String hex = (semicolon < 0 ? sizeLine : sizeLine.substring(0, semicolon)).trim();
            try {
                chunkRemaining = Long.parseLong(hex, 16);
            } catch (NumberFormatException e) {
                throw new BadRequestException("bad chunk size");
            }
            if (chunkRemaining < 0) {
                throw new BadRequestException("bad chunk size");
            }
            if (chunkRemaining == 0) {
                while (!readLine(in, line, budget, false).isEmpty()) {
                    // trailer fields are not used by any behavior
                }
                done = true;
            }
        }

        private void expectCrLf() throws IOException {
            int cr = in.read();
            int lf = cr == '\n' ? '\n' : in.read();
            if (lf != '\n') {
                throw new BadRequestException("chunk not followed by CRLF");
            }
        }

        @Override
        public int available() throws IOException {
            return done ? 0 : (int) Math.min(in.available(), chunkRemaining);
        }
    }

    /** Counts the bytes read through it; {@link #close()} does not close the connection. */
    static final class CountingInputStream extends InputStream {
        private final InputStream in;
        private long count;

        CountingInputStream(InputStream in) {
            this.in = in;
        }

        long count() {
            return count;
        }

        @Override
        public int read() throws IOException {
            int next = in.read();
            if (next >= 0) {
                count++;
            }
            return next;
        }

        @Override
        public int read(byte[] target, int offset, int length) throws IOException {
            int read = in.read(target, offset, length);
            if (read > 0) {
                count += read;
            }
            return read;
        }

        @Override
        public int available() throws IOException {
            return in.available();
        }

        @Override
        public void close() {
            // the connection outlives the body
        }
    }

    /** A response body in chunked transfer coding; one chunk per write, {@link #close()} sends the last chunk. */
    static final class ChunkedOutputStream extends OutputStream {
        private final OutputStream out;
        private boolean closed;

        ChunkedOutputStream(OutputStream out) {
            this.out = out;
        }

        @Override
        public void write(int value) throws IOException {
            write(new byte[] {(byte) value}, 0, 1);
        }

        @Override
        public void write(byte[] source, int offset, int length) throws IOException {
            if (closed) {
                throw new IOException("response body already closed");
            }
            if (length == 0) {
                return; // a zero-length chunk would end the body
            }
            out.write((Integer.toHexString(length) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.write(source, offset, length);
            out.write(CRLF);
        }

        @Override
        public void flush() throws IOException {
            out.flush();
        }

        @Override
        public void close() throws IOException {
            if (!closed) {
                closed = true;
                out.write(LAST_CHUNK);
            }
        }
    }

    /** A response body of a declared length; {@link #close()} fails when fewer bytes were written. */
    static final class FixedLengthOutputStream extends OutputStream {
        private final OutputStream out;
        private final long length;
        private long written;
        private boolean closed;

        FixedLengthOutputStream(OutputStream out, long length) {
            this.out = out;
            this.length = length;
        }

        @Override
        public void write(int value) throws IOException {
            write(new byte[] {(byte) value}, 0, 1);
        }

        @Override
        public void write(byte[] source, int offset, int count) throws IOException {
            if (closed || written + count > length) {
                throw new IOException("response body longer than its Content-Length " + length);
            }
            out.write(source, offset, count);
            written += count;
        }

        @Override
        public void flush() throws IOException {
            out.flush();
        }

        @Override
        public void close() throws IOException {
            if (!closed) {
                closed = true;
                if (written != length) {
                    throw new IOException("response body of " + written + " bytes, Content-Length " + length);
                }
            }
        }
    }

    static final byte[] CRLF = {'\r', '\n'};
    static final byte[] LAST_CHUNK = "0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
    static final byte[] CONTINUE = "HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);

    static String reason(int status) {
        return switch (status) {
            case 200 -> "OK";
            case 201 -> "Created";
            case 202 -> "Accepted";
            case 204 -> "No Content";
            case 301 -> "Moved Permanently";
            case 302 -> "Found";
            case 304 -> "Not Modified";
            case 400 -> "Bad Request";
            case 401 -> "Unauthorized";
            case 403 -> "Forbidden";
            case 404 -> "Not Found";
            case 409 -> "Conflict";
            case 413 -> "Content Too Large";
            case 429 -> "Too Many Requests";
            case 500 -> "Internal Server Error";
            case 502 -> "Bad Gateway";
            case 503 -> "Service Unavailable";
            case 504 -> "Gateway Timeout";
            default -> "Status " + status;
        };
    }

    /** Whether a response with this status to this method carries no body (RFC 9110 §6.4.1). */
    static boolean bodyless(String method, int status) {
        return method.equals("HEAD") || (status >= 100 && status < 200) || status == 204 || status == 304;
    }

    /** A JSON string literal for {@code text}, quotes included. */
    static String jsonString(String text) {
        StringBuilder json = new StringBuilder(text.length() + 2).append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '"' -> json.append("\\\"");
                case '\\' -> json.append("\\\\");
                case '\n' -> json.append("\\n");
                case '\r' -> json.append("\\r");
                case '\t' -> json.append("\\t");
                default -> {
                    if (c < 0x20) {
                        json.append(String.format("\\u%04x", (int) c));
                    } else {
                        json.append(c);
                    }
                }
            }
        }
        return json.append('"').toString();
    }
}
