package dev.weft.service.videos;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A video provider that answers at once (upload, process, a completed status) and records the {@code traceparent}
 * header of every call it gets, to show that the service's provider calls carry the trace.
 */
final class TracingProviderStub implements AutoCloseable {
    /** One call: method, path and the {@code traceparent} it carried (empty when none). */
    record Call(String method, String path, String traceParent) {
    }

    private final HttpServer server;
    private final List<Call> calls = new CopyOnWriteArrayList<>();

    private TracingProviderStub(HttpServer server) {
        this.server = server;
    }

    static TracingProviderStub start() throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        TracingProviderStub stub = new TracingProviderStub(server);
        server.createContext("/", stub::handle);
        server.start();
        return stub;
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    List<Call> calls() {
        return List.copyOf(calls);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange; InputStream body = exchange.getRequestBody()) {
            body.readAllBytes();
            String method = exchange.getRequestMethod();
            String path = exchange.getRequestURI().getPath();
            String traceParent = exchange.getRequestHeaders().getFirst("traceparent");
            calls.add(new Call(method, path, traceParent == null ? "" : traceParent));
            String json;
            if (method.equals("POST") && path.equals("/upload")) {
                json = "{\"url\":\"" + url() + "/files/1\"}";
            } else if (method.equals("POST") && path.equals("/process")) {
                json = "{\"job_id\":\"p1\",\"status\":\"pending\"}";
            } else if (method.equals("GET") && path.startsWith("/process/")) {
                json = "{\"job_id\":\"p1\",\"status\":\"completed\",\"result_url\":\"" + url() + "/results/1\","
                        + "\"usage\":{\"model_type\":\"stub\",\"processing_ms\":5,\"memory_mb\":1.0,"
                        + "\"gpu_percent\":1.0}}";
            } else {
                exchange.sendResponseHeaders(404, -1);
                return;
            }
            byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, bytes.length);
            exchange.getResponseBody().write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
