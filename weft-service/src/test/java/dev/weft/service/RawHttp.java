package dev.weft.service;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * HTTP/1.1 requests one after the other on one raw connection, reading each answer as the protocol frames it. A client
 * library knows that a {@code HEAD} answer has no body and would hide a server that sent one anyway; here such bytes
 * are read as the next answer's status line, and the next request on the connection fails.
 *
 * <p>Confined to one test thread.
 */
final class RawHttp implements AutoCloseable {
    private final Socket socket;
    private final InputStream in;

    /**
     * One answer.
     *
     * @param status the status code
     * @param headers the headers, names in lower case (the last of repeated ones)
     * @param body the body bytes, after chunked decoding
     */
    record Answer(int status, Map<String, String> headers, byte[] body) {
        /** @param name a header name in lower case @return its value, or none */
        @Nullable String header(String name) {
            return headers.get(name);
        }
    }

    /** @param port a loopback port to connect to */
    RawHttp(int port) {
        try {
            this.socket = new Socket("127.0.0.1", port);
            socket.setSoTimeout(10_000);
            this.in = new BufferedInputStream(socket.getInputStream());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Sends a request without a body and reads its answer.
     *
     * @param method the method
     * @param path the path
     * @param headers more headers, name then value
     * @return the answer
     */
    Answer send(String method, String path, String... headers) {
        StringBuilder request = new StringBuilder(method).append(' ').append(path).append(" HTTP/1.1\r\n")
                .append("Host: 127.0.0.1\r\n");
        for (int i = 0; i < headers.length; i += 2) {
            request.append(headers[i]).append(": ").append(headers[i + 1]).append("\r\n");
        }
        try {
            socket.getOutputStream().write(request.append("\r\n").toString().getBytes(StandardCharsets.US_ASCII));
            return read(method);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Answer read(String method) throws IOException {
        String statusLine = line();
        if (!statusLine.startsWith("HTTP/1.1 ")) {
            throw new IllegalStateException("not a status line (a previous answer's body?): " + statusLine);
        }
        int status = Integer.parseInt(statusLine.substring(9, 12));
        Map<String, String> headers = new LinkedHashMap<>();
        for (String line = line(); !line.isEmpty(); line = line()) {
            int colon = line.indexOf(':');
            headers.put(line.substring(0, colon).strip().toLowerCase(Locale.ROOT), line.substring(colon + 1).strip());
        }
        byte[] body;
        if (method.equals("HEAD") || status == 204 || status == 304) {
            body = new byte[0]; // RFC 9112 §6.3: whatever the headers say, these answers end with their head
        } else if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            body = chunked();
        } else {
            body = in.readNBytes(Integer.parseInt(headers.getOrDefault("content-length", "0")));
        }
        return new Answer(status, headers, body);
    }

    private byte[] chunked() throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (int size = Integer.parseInt(line().split(";")[0].strip(), 16); size > 0;
                size = Integer.parseInt(line().split(";")[0].strip(), 16)) {
            body.writeBytes(in.readNBytes(size));
            line(); // the CRLF after the chunk
        }
        while (!line().isEmpty()) {
            // trailers: not needed here
        }
        return body.toByteArray();
    }

    private String line() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int previous = -1;
        for (int next = in.read(); next >= 0; next = in.read()) {
            if (previous == '\r' && next == '\n') {
                byte[] bytes = line.toByteArray();
                return new String(bytes, 0, bytes.length - 1, StandardCharsets.ISO_8859_1);
            }
            line.write(next);
            previous = next;
        }
        throw new IOException("the connection closed mid-line: " + line.toString(StandardCharsets.ISO_8859_1));
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
