package dev.weft.faults;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;

/**
 * An HTTP proxy in front of a provider that records every call the service makes (method, path, idempotency key,
 * status, {@code Retry-After}, start and end): what {@code GET /stats} cannot tell, i.e. when a call was retried. Each
 * call goes upstream on a connection of its own ({@code Connection: close}, raw socket, no client of its own that
 * could retry); a call that got no answer upstream (the provider reset it) is answered by closing the service's
 * connection without an answer, so the service meets the same fault.
 *
 * <p>Thread-safe.
 */
final class RecordingHttpProxy implements AutoCloseable {
    /**
     * One call.
     *
     * @param start nanoTime the proxy got it
     * @param end nanoTime it answered (or dropped) it
     * @param method the method
     * @param path the path and query
     * @param key the {@code Idempotency-Key}, or empty
     * @param status the upstream status; 0 without an answer
     * @param retryAfterMillis the {@code Retry-After} of the answer in ms, or 0
     */
    record Call(long start, long end, String method, String path, String key, int status, long retryAfterMillis) {
        /** @return what identifies a repeat of this call: method, path and key */
        String identity() {
            return method + " " + path + " " + key;
        }
    }

    private final HttpServer server;
    private final int targetPort;
    private final ConcurrentLinkedQueue<Call> calls = new ConcurrentLinkedQueue<>();

    private RecordingHttpProxy(int targetPort) throws IOException {
        this.targetPort = targetPort;
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 200);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", this::handle);
        server.start();
    }

    /**
     * @param targetPort the provider's loopback port
     * @return a running proxy
     */
    static RecordingHttpProxy to(int targetPort) {
        try {
            return new RecordingHttpProxy(targetPort);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** @return the base URL the service calls */
    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** @return every call so far, by start */
    List<Call> calls() {
        List<Call> list = new ArrayList<>(calls);
        list.sort(Comparator.comparingLong(Call::start));
        return list;
    }

    /**
     * Repeats of a call (same method, path and key) sent before the {@code Retry-After} of the answer before it had
     * passed: each is a retry that ignored the server.
     *
     * @return the early repeats, each described with its gap
     */
    List<String> retriesBeforeRetryAfter() {
        Map<String, Call> previous = new HashMap<>();
        List<String> early = new ArrayList<>();
        for (Call call : calls()) {
            Call before = previous.put(call.identity(), call);
            if (before != null && before.retryAfterMillis() > 0) {
                long gapMillis = (call.start() - before.end()) / 1_000_000;
                // 20 ms for the two clocks' granularity: the gap here already includes the network both ways
                if (gapMillis + 20 < before.retryAfterMillis()) {
                    early.add(call.identity() + " after " + gapMillis + " ms (Retry-After "
                            + before.retryAfterMillis() + " ms, status " + before.status() + ")");
                }
            }
        }
        return early;
    }

    private void handle(HttpExchange exchange) throws IOException {
        long start = System.nanoTime();
        byte[] body;
        try (InputStream in = exchange.getRequestBody()) {
            body = in.readAllBytes();
        }
        String method = exchange.getRequestMethod();
        String path = exchange.getRequestURI().getRawPath()
                + (exchange.getRequestURI().getRawQuery() == null ? "" : "?" + exchange.getRequestURI().getRawQuery());
        String key = String.valueOf(exchange.getRequestHeaders().getFirst("Idempotency-Key"));
        Upstream answer;
        try {
            answer = forward(method, path, exchange.getRequestHeaders().getFirst("Content-Type"),
                    exchange.getRequestHeaders().getFirst("Idempotency-Key"), body);
        } catch (IOException e) {
            calls.add(new Call(start, System.nanoTime(), method, path, key, 0, 0));
            throw e; // the JDK server closes the connection without an answer, as the provider did
        }
        long retryAfter = 0;
        if (answer.retryAfter() != null) {
            try {
                retryAfter = Long.parseLong(answer.retryAfter().trim()) * 1000;
            } catch (NumberFormatException e) {
                retryAfter = 0; // an HTTP date: not sent by the provider
            }
        }
        if (answer.contentType() != null) {
            exchange.getResponseHeaders().set("Content-Type", answer.contentType());
        }
        if (answer.retryAfter() != null) {
            exchange.getResponseHeaders().set("Retry-After", answer.retryAfter());
        }
        exchange.sendResponseHeaders(answer.status(), answer.body().length == 0 ? -1 : answer.body().length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(answer.body());
        }
        calls.add(new Call(start, System.nanoTime(), method, path, key, answer.status(), retryAfter));
    }

    private record Upstream(int status, String contentType, String retryAfter, byte[] body) {
    }

    private Upstream forward(String method, String path, String contentType, String key, byte[] body)
            throws IOException {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), targetPort)) {
            socket.setSoTimeout(120_000);
            StringBuilder head = new StringBuilder(method).append(' ').append(path).append(" HTTP/1.1\r\n")
                    .append("Host: 127.0.0.1:").append(targetPort).append("\r\nConnection: close\r\n")
                    .append("Content-Length: ").append(body.length).append("\r\n");
            if (contentType != null) {
                head.append("Content-Type: ").append(contentType).append("\r\n");
            }
            if (key != null) {
                head.append("Idempotency-Key: ").append(key).append("\r\n");
            }
            OutputStream out = socket.getOutputStream();
            out.write(head.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1));
            out.write(body);
            out.flush();
            return read(new java.io.BufferedInputStream(socket.getInputStream()));
        }
    }

    /** Reads one answer: the head, then exactly its body (the provider may keep the connection open). */
    private static Upstream read(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < 4) {
            int next = in.read();
            if (next < 0) {
                throw new IOException("the provider closed the connection without an answer");
            }
            head.write(next);
            matched = next == (matched % 2 == 0 ? '\r' : '\n') ? matched + 1 : next == '\r' ? 1 : 0;
        }
        String[] lines = head.toString(StandardCharsets.ISO_8859_1).trim().split("\r\n");
        int status = Integer.parseInt(lines[0].split(" ")[1]);
        Map<String, String> headers = new HashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon > 0) {
                headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT),
                        lines[i].substring(colon + 1).trim());
            }
        }
        byte[] body;
        if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            body = dechunk(in);
        } else if (headers.containsKey("content-length")) {
            int length = Integer.parseInt(headers.get("content-length"));
            body = in.readNBytes(length);
            if (body.length < length) {
                throw new IOException("the provider's answer was cut short");
            }
        } else {
            body = in.readAllBytes();
        }
        return new Upstream(status, headers.get("content-type"), headers.get("retry-after"), body);
    }

    private static byte[] dechunk(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        while (true) {
            String sizeLine = line(in).split(";")[0].trim();
            int size = Integer.parseInt(sizeLine, 16);
            if (size == 0) {
                while (!line(in).isEmpty()) {
                    // trailers
                }
                return out.toByteArray();
            }
            byte[] chunk = in.readNBytes(size);
            if (chunk.length < size) {
                throw new IOException("the provider's chunked answer was cut short");
            }
            out.writeBytes(chunk);
            line(in);
        }
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int previous = -1;
        while (true) {
            int next = in.read();
            if (next < 0) {
                throw new IOException("the provider's chunked answer was cut short");
            }
            if (previous == '\r' && next == '\n') {
                byte[] bytes = line.toByteArray();
                return new String(bytes, 0, bytes.length - 1, StandardCharsets.ISO_8859_1);
            }
            line.write(next);
            previous = next;
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
