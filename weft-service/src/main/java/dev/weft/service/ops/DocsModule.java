package dev.weft.service.ops;

import com.fasterxml.jackson.databind.JsonNode;
import dev.weft.service.Access;
import dev.weft.service.Exchange;
import dev.weft.service.Json;
import dev.weft.service.RouteModule;
import dev.weft.service.Routes;
import dev.weft.service.ServiceContext;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * {@code /openapi.json} (the hand-written OpenAPI 3.1 description in {@code openapi.json} on the class path) and
 * {@code /docs}, a self-contained HTML listing of its operations. Both public.
 *
 * <p>Thread-safe.
 */
public final class DocsModule implements RouteModule {
    /** The class-path resource holding the description. */
    public static final String RESOURCE = "openapi.json";

    private final byte[] spec;
    private final Json json;
    // rendered on the first /docs request: parsing the 85 KB description took 110 ms of a cold start
    private volatile byte @Nullable [] page;

    /** @param context the service context */
    public DocsModule(ServiceContext context) {
        Objects.requireNonNull(context, "context");
        this.spec = load();
        this.json = context.json();
    }

    @Override
    public void routes(Routes routes) {
        routes.get("/openapi.json", Access.PUBLIC, exchange -> send(exchange, "application/json", spec))
                .get("/docs", Access.PUBLIC, exchange -> send(exchange, "text/html; charset=utf-8", page()));
    }

    private byte[] page() {
        byte[] rendered = page;
        if (rendered == null) {
            // two first requests may both render; they get the same bytes
            rendered = render(json.readTree(spec)).getBytes(StandardCharsets.UTF_8);
            page = rendered;
        }
        return rendered;
    }

    private static void send(Exchange exchange, String type, byte[] body) {
        exchange.response().status(Status.OK_200);
        exchange.response().header(HeaderNames.CONTENT_TYPE, type);
        exchange.response().send(body);
    }

    /** @return the description's bytes */
    public static byte[] load() {
        try (InputStream in = DocsModule.class.getClassLoader().getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " is missing from the class path");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String render(JsonNode spec) {
        StringBuilder html = new StringBuilder();
        html.append("<!doctype html><html><head><meta charset=\"utf-8\"><title>")
                .append(escape(spec.path("info").path("title").asText("weft")))
                .append("</title><style>body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;"
                        + "padding:0 1rem}code{font-weight:600}.m{display:inline-block;width:4.5rem;"
                        + "text-transform:uppercase;font-size:.8rem}li{margin:.3rem 0}</style></head><body><h1>")
                .append(escape(spec.path("info").path("title").asText("weft"))).append(" ")
                .append(escape(spec.path("info").path("version").asText(""))).append("</h1><p>")
                .append(escape(spec.path("info").path("description").asText("")))
                .append("</p><p>Machine-readable: <a href=\"/openapi.json\">/openapi.json</a> (OpenAPI ")
                .append(escape(spec.path("openapi").asText())).append(").</p><ul>");
        for (Map.Entry<String, JsonNode> path : spec.path("paths").properties()) {
            for (Map.Entry<String, JsonNode> operation : path.getValue().properties()) {
                if (!operation.getValue().isObject() || operation.getKey().equals("parameters")) {
                    continue;
                }
                html.append("<li><span class=\"m\">").append(escape(operation.getKey())).append("</span><code>")
                        .append(escape(path.getKey())).append("</code> — ")
                        .append(escape(operation.getValue().path("summary").asText(""))).append("</li>");
            }
        }
        return html.append("</ul></body></html>").toString();
    }

    private static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
