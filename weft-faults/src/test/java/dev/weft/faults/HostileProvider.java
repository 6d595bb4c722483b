package dev.weft.faults;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A provider that answers the DESIGN §5 contract with what real upstreams send on a bad day: HTML error pages (one
 * with a stack trace and an internal address in it), truncated or garbage JSON, a {@code 200} of the wrong shape,
 * a connection closed mid-body or without an answer, an unknown job status, a failure whose message names its own
 * classes and hosts. Which answer a job gets is chosen by the job itself: the uploaded file holds
 * {@code case=<NAME>} (upload cases), the {@code options} hold {@code {"case": "<NAME>"}} (process cases), and the
 * provider's job id carries the name (status cases); every other call is answered well.
 *
 * <p>Thread-safe (JDK {@code HttpServer} on virtual threads).
 */
final class HostileProvider implements AutoCloseable {
    /** What a job meets; the prefix names the call that goes wrong. */
    enum Case {
        UPLOAD_HTML_502,
        UPLOAD_TRUNCATED_JSON,
        PROCESS_GARBAGE,
        PROCESS_WRONG_SHAPE,
        PROCESS_CUT_MID_BODY,
        PROCESS_NO_ANSWER,
        STATUS_HTML_STACK_TRACE,
        STATUS_WRONG_SHAPE,
        STATUS_UNKNOWN_STATE,
        STATUS_CUT_MID_BODY,
        STATUS_FAILED_WITH_INTERNALS,
        STATUS_COMPLETED_WITHOUT_RESULT,
        /** Completed with extra fields and the usage in an object: usable, the job should complete. */
        USABLE_WITH_EXTRA_FIELDS;

        /** @return whether the job can complete with this answer */
        boolean usable() {
            return this == USABLE_WITH_EXTRA_FIELDS;
        }
    }

    /** What the hostile answers leak, which no user may see. */
    static final String INTERNAL_HOST = "10.20.30.40";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String NGINX_502 = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
            + "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx/1.18.0</center>\r\n</body>\r\n</html>";
    private static final String STACK_PAGE = "<!DOCTYPE html><html><body><h1>HTTP Status 500 - Internal Server Error"
            + "</h1><pre>java.lang.IllegalStateException: GPU pool exhausted\n\tat com.provider.render.Worker.run("
            + "Worker.java:42)\n\tat java.base/java.lang.Thread.run(Thread.java:1583)</pre><p>upstream " + INTERNAL_HOST
            + ":8080</p></body></html>";

    private final HttpServer server;
    private final AtomicLong ids = new AtomicLong();

    private HostileProvider() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 100);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/upload", this::upload);
        server.createContext("/process", this::process);
        server.start();
    }

    /** @return a running provider on a free loopback port */
    static HostileProvider start() {
        try {
            return new HostileProvider();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** @return its base URL */
    String url() {
        return "http://127.0.0.1:" + port();
    }

    /** @return its port */
    int port() {
        return server.getAddress().getPort();
    }

    private void upload(HttpExchange exchange) throws IOException {
        String body = new String(read(exchange), StandardCharsets.ISO_8859_1);
        Case which = null;
        int at = body.indexOf("case=");
        if (at >= 0) {
            String name = body.substring(at + 5).split("[^A-Z0-9_]", 2)[0];
            which = Case.valueOf(name);
        }
        if (which == Case.UPLOAD_HTML_502) {
            send(exchange, 502, "text/html", NGINX_502);
        } else if (which == Case.UPLOAD_TRUNCATED_JSON) {
            send(exchange, 200, "application/json", "{\"url\": \"https://files.exa");
        } else {
            send(exchange, 200, "application/json", "{\"url\": \"https://files.example.net/u/"
                    + ids.incrementAndGet() + "\"}");
        }
    }

    private void process(HttpExchange exchange) throws IOException {
        byte[] bytes = read(exchange);
        String path = exchange.getRequestURI().getPath();
        if (exchange.getRequestMethod().equals("POST") && path.equals("/process")) {
            JsonNode body = JSON.readTree(bytes);
            String name = body.path("options").path("case").asText("USABLE_WITH_EXTRA_FIELDS");
            Case which = Case.valueOf(name);
            String jobId = "hj-" + name.toLowerCase(Locale.ROOT) + "-" + ids.incrementAndGet();
            switch (which) {
                case PROCESS_GARBAGE -> send(exchange, 200, "application/json", "<<<>>> not json at all {{");
                case PROCESS_WRONG_SHAPE -> send(exchange, 200, "application/json", "[\"job_id\", 42]");
                case PROCESS_CUT_MID_BODY -> cut(exchange, "{\"job_id\": \"" + jobId + "\", \"queue\": \"gpu-");
                case PROCESS_NO_ANSWER -> throw new IOException("closing without an answer");
                default -> send(exchange, 200, "application/json", "{\"job_id\": \"" + jobId + "\"}");
            }
            return;
        }
        String jobId = path.substring(path.lastIndexOf('/') + 1);
        String name = jobId.replaceFirst("^hj-", "").replaceFirst("-\\d+$", "").toUpperCase(Locale.ROOT);
        Case which = Case.valueOf(name);
        switch (which) {
            case STATUS_HTML_STACK_TRACE -> send(exchange, 500, "text/html", STACK_PAGE);
            case STATUS_WRONG_SHAPE -> send(exchange, 200, "application/json", "{\"status\": 42, \"job\": {}}");
            case STATUS_UNKNOWN_STATE -> send(exchange, 200, "application/json",
                    "{\"job_id\": \"" + jobId + "\", \"status\": \"exploded\"}");
            case STATUS_CUT_MID_BODY -> cut(exchange, "{\"job_id\": \"" + jobId + "\", \"status\": \"compl");
            case STATUS_FAILED_WITH_INTERNALS -> send(exchange, 200, "application/json", "{\"job_id\": \"" + jobId
                    + "\", \"status\": \"failed\", \"error\": \"java.lang.OutOfMemoryError: Java heap space at"
                    + " com.provider.gpu.Kernel.launch (node " + INTERNAL_HOST + ":7000)\"}");
            case STATUS_COMPLETED_WITHOUT_RESULT -> send(exchange, 200, "application/json",
                    "{\"job_id\": \"" + jobId + "\", \"status\": \"completed\"}");
            default -> send(exchange, 200, "application/json", "{\"job_id\": \"" + jobId + "\", \"status\":"
                    + " \"completed\", \"result_url\": \"https://cdn.example.net/r/" + jobId + ".mp4\", \"extra\":"
                    + " {\"region\": \"eu\"}, \"usage\": {\"model_type\": \"video-gen-v1\", \"processing_ms\": 1200,"
                    + " \"memory_mb\": 2048, \"gpu_percent\": 50}}");
        }
    }

    private static byte[] read(HttpExchange exchange) throws IOException {
        try (InputStream in = exchange.getRequestBody()) {
            return in.readAllBytes();
        }
    }

    private static void send(HttpExchange exchange, int status, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", type);
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    /** Promises a longer body than it sends, then drops the connection (the JDK server closes it on the throw). */
    private static void cut(HttpExchange exchange, String start) throws IOException {
        byte[] bytes = start.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(200, bytes.length + 200);
        OutputStream out = exchange.getResponseBody();
        out.write(bytes);
        out.flush();
        throw new IOException("cut mid-body");
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
