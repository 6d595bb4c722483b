package dev.weft.service.videos;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real OTLP/HTTP trace receiver: the JDK's HTTP server on 127.0.0.1 decoding each {@code POST /v1/traces} body as an
 * {@code ExportTraceServiceRequest} protobuf (OpenTelemetry's own schema), keeping every span it received. Anything
 * else posted to it (metrics, logs) is counted and refused.
 */
final class OtlpReceiver implements AutoCloseable {
    /** One received span, ids in lower-case hex as W3C {@code traceparent} writes them. */
    record ReceivedSpan(String traceId, String spanId, String parentSpanId, String name, String kind,
            Map<String, String> attributes, List<String> linkedSpanIds, Map<String, String> resource) {
        String attribute(String key) {
            return attributes.get(key);
        }
    }

    private final HttpServer server;
    private final List<ReceivedSpan> spans = new CopyOnWriteArrayList<>();
    private final AtomicInteger otherPosts = new AtomicInteger();

    private OtlpReceiver(HttpServer server) {
        this.server = server;
    }

    static OtlpReceiver start() throws IOException {
        return start(0);
    }

    /** @param port the port, 0 for a free one */
    static OtlpReceiver start(int port) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
        OtlpReceiver receiver = new OtlpReceiver(server);
        server.createContext("/", receiver::handle);
        server.start();
        return receiver;
    }

    /** @return the base URL, for {@code OTEL_EXPORTER_OTLP_ENDPOINT} */
    String endpoint() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** @return every span received so far */
    List<ReceivedSpan> spans() {
        return List.copyOf(spans);
    }

    /** @return the spans of one trace */
    List<ReceivedSpan> trace(String traceId) {
        return spans.stream().filter(span -> span.traceId().equals(traceId)).toList();
    }

    /** @return posts to anything but {@code /v1/traces} */
    int otherPosts() {
        return otherPosts.get();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange; InputStream body = exchange.getRequestBody()) {
            byte[] bytes = body.readAllBytes();
            if (!exchange.getRequestURI().getPath().equals("/v1/traces")) {
                otherPosts.incrementAndGet();
                exchange.sendResponseHeaders(404, -1);
                return;
            }
            ExportTraceServiceRequest request = ExportTraceServiceRequest.parseFrom(bytes);
            for (ResourceSpans resourceSpans : request.getResourceSpansList()) {
                Map<String, String> resource = attributes(resourceSpans.getResource());
                for (ScopeSpans scopeSpans : resourceSpans.getScopeSpansList()) {
                    for (io.opentelemetry.proto.trace.v1.Span span : scopeSpans.getSpansList()) {
                        spans.add(received(span, resource));
                    }
                }
            }
            byte[] answer = ExportTraceServiceResponse.getDefaultInstance().toByteArray();
            exchange.getResponseHeaders().set("Content-Type", "application/x-protobuf");
            exchange.sendResponseHeaders(200, answer.length == 0 ? -1 : answer.length);
            if (answer.length > 0) {
                exchange.getResponseBody().write(answer);
            }
        }
    }

    private static ReceivedSpan received(io.opentelemetry.proto.trace.v1.Span span, Map<String, String> resource) {
        Map<String, String> attributes = new LinkedHashMap<>();
        for (KeyValue pair : span.getAttributesList()) {
            attributes.put(pair.getKey(), text(pair.getValue()));
        }
        List<String> links = new ArrayList<>();
        span.getLinksList().forEach(link -> links.add(hex(link.getSpanId().toByteArray())));
        return new ReceivedSpan(hex(span.getTraceId().toByteArray()), hex(span.getSpanId().toByteArray()),
                hex(span.getParentSpanId().toByteArray()), span.getName(), span.getKind().name(), attributes, links,
                resource);
    }

    private static Map<String, String> attributes(Resource resource) {
        Map<String, String> out = new LinkedHashMap<>();
        for (KeyValue pair : resource.getAttributesList()) {
            out.put(pair.getKey(), text(pair.getValue()));
        }
        return out;
    }

    private static String text(AnyValue value) {
        return switch (value.getValueCase()) {
            case STRING_VALUE -> value.getStringValue();
            case INT_VALUE -> Long.toString(value.getIntValue());
            case BOOL_VALUE -> Boolean.toString(value.getBoolValue());
            case DOUBLE_VALUE -> Double.toString(value.getDoubleValue());
            default -> value.toString();
        };
    }

    private static String hex(byte[] bytes) {
        return HexFormat.of().formatHex(bytes);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
