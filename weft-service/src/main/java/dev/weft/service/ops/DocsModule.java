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
 * {@code /docs}, Swagger UI over it (from its webjar, through {@link StaticAssets}: Authorize with the
 * {@code X-API-Key} scheme, then "Try it out" on any operation), with a plain HTML list of the operations for a
 * browser without JavaScript. Both public.
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
                .get("/docs", Access.PUBLIC, exchange -> {
                    StaticAssets.pageHeaders(exchange);
                    send(exchange, "text/html; charset=utf-8", page());
                });
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
        exchange.response().header(HeaderNames.CACHE_CONTROL, "no-cache");
        exchange.response().header(HeaderNames.X_CONTENT_TYPE_OPTIONS, "nosniff");
        exchange.response().send(body);
    }

    /** @return the description's bytes */
    public static byte[] load() {
        return resource(RESOURCE);
    }

    private static byte[] resource(String name) {
        try (InputStream in = DocsModule.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException(name + " is missing from the class path");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The mark in {@code docs.html} where the list for browsers without JavaScript goes. */
    private static final String OPERATIONS_MARK = "<!-- operations -->";

    private static String render(JsonNode spec) {
        String template = new String(resource(StaticAssets.DOCS_PAGE.resource()), StandardCharsets.UTF_8);
        int mark = template.indexOf(OPERATIONS_MARK);
        if (mark < 0) {
            throw new IllegalStateException("docs.html has no " + OPERATIONS_MARK);
        }
        return template.substring(0, mark) + operations(spec) + template.substring(mark + OPERATIONS_MARK.length());
    }

    private static String operations(JsonNode spec) {
        StringBuilder html = new StringBuilder();
        html.append("<h1>")
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
        return html.append("</ul>").toString();
    }

    private static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
