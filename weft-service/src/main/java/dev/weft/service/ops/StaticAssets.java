package dev.weft.service.ops;

import dev.weft.service.Access;
import dev.weft.service.Exchange;
import dev.weft.service.ProblemException;
import dev.weft.service.RouteModule;
import dev.weft.service.Routes;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.GZIPOutputStream;

/**
 * The files the dashboard and {@code /docs} pages load, served from the class path: weft's own (under
 * {@code dev/weft/service/ops/web/}) and the vendored uPlot and Swagger UI from their Maven Central webjars (under
 * {@code META-INF/resources/webjars/}). Only the names listed here are served, so no request can name another
 * class-path resource (no path traversal). Each file is read once, kept with a gzip copy (sent to browsers that accept
 * it: Swagger UI's bundle is 1.7 MB, 0.5 MB gzipped), and sent with its content type and a {@code Cache-Control}.
 *
 * <p>Registers {@code GET /assets/{name}} (public). Thread-safe.
 */
public final class StaticAssets implements RouteModule {
    /** The uPlot webjar's version (root pom {@code uplot.version}); a test loads every asset, so a bump shows here. */
    static final String UPLOT = "META-INF/resources/webjars/uplot/1.6.30/dist/";
    /** The Swagger UI webjar's version (root pom {@code swagger-ui.version}). */
    static final String SWAGGER_UI = "META-INF/resources/webjars/swagger-ui/5.35.0/";
    private static final String OWN = "dev/weft/service/ops/web/";
    private static final String JS = "text/javascript; charset=utf-8";
    private static final String CSS = "text/css; charset=utf-8";
    private static final String HTML = "text/html; charset=utf-8";
    // weft's own files change with a release and are revalidated; the vendored ones carry a version in their path
    private static final String REVALIDATE = "no-cache";
    private static final String ONE_DAY = "public, max-age=86400";
    private static final HeaderName X_FRAME_OPTIONS = HeaderNames.create("X-Frame-Options");
    private static final HeaderName CONTENT_SECURITY_POLICY = HeaderNames.create("Content-Security-Policy");

    /**
     * One file that may be served.
     *
     * @param resource its class-path resource
     * @param contentType its content type
     * @param cacheControl its {@code Cache-Control}
     */
    record Asset(String resource, String contentType, String cacheControl) {
    }

    /** The pages; not under {@code /assets}. */
    static final Asset DASHBOARD_PAGE = new Asset(OWN + "dashboard.html", HTML, REVALIDATE);
    static final Asset DOCS_PAGE = new Asset(OWN + "docs.html", HTML, REVALIDATE);

    /** What {@code /assets/{name}} serves, by name. */
    static final Map<String, Asset> ASSETS = Map.of(
            "dashboard.js", new Asset(OWN + "dashboard.js", JS, REVALIDATE),
            "dashboard.css", new Asset(OWN + "dashboard.css", CSS, REVALIDATE),
            "docs.js", new Asset(OWN + "docs.js", JS, REVALIDATE),
            "uPlot.iife.min.js", new Asset(UPLOT + "uPlot.iife.min.js", JS, ONE_DAY),
            "uPlot.min.css", new Asset(UPLOT + "uPlot.min.css", CSS, ONE_DAY),
            "swagger-ui-bundle.js", new Asset(SWAGGER_UI + "swagger-ui-bundle.js", JS, ONE_DAY),
            "swagger-ui.css", new Asset(SWAGGER_UI + "swagger-ui.css", CSS, ONE_DAY));

    /** A file's bytes, plain and gzipped. */
    private record Loaded(byte[] plain, byte[] gzipped) {
    }

    private final Map<String, Loaded> loaded = new ConcurrentHashMap<>();

    private StaticAssets() {
    }

    /** @return the files, none read yet (each is read on its first request) */
    public static StaticAssets create() {
        return new StaticAssets();
    }

    @Override
    public void routes(Routes routes) {
        routes.get("/assets/{name}", Access.PUBLIC, this::serveNamed);
    }

    /**
     * Answers {@code /assets/{name}}.
     *
     * @param exchange the request
     * @throws ProblemException 404 for a name not listed
     */
    void serveNamed(Exchange exchange) {
        Asset asset = ASSETS.get(exchange.pathParam("name"));
        if (asset == null) {
            throw ProblemException.notFound("asset");
        }
        serve(exchange, asset);
    }

    /**
     * Sends an asset, gzipped when the browser accepts it.
     *
     * @param exchange the request
     * @param asset the asset
     */
    void serve(Exchange exchange, Asset asset) {
        Loaded file = loaded.computeIfAbsent(asset.resource(), StaticAssets::load);
        boolean gzip = exchange.header("Accept-Encoding").map(StaticAssets::acceptsGzip).orElse(false);
        exchange.response().status(Status.OK_200);
        exchange.response().header(HeaderNames.CONTENT_TYPE, asset.contentType());
        exchange.response().header(HeaderNames.CACHE_CONTROL, asset.cacheControl());
        exchange.response().header(HeaderNames.VARY, "Accept-Encoding");
        exchange.response().header(HeaderNames.X_CONTENT_TYPE_OPTIONS, "nosniff");
        if (asset.contentType().equals(HTML)) {
            pageHeaders(exchange);
        }
        if (gzip) {
            exchange.response().header(HeaderNames.CONTENT_ENCODING, "gzip");
        }
        exchange.response().send(gzip ? file.gzipped() : file.plain());
    }

    /**
     * Headers of a page (the dashboard, {@code /docs}): no other site may frame it. The dashboard asks for the admin
     * key and {@code /docs} takes any key for "Try it out"; framed under another site's page, a click meant for that
     * page could land on theirs (clickjacking). {@code X-Frame-Options} is for browsers that predate CSP's
     * {@code frame-ancestors}.
     *
     * @param exchange the page's request
     */
    static void pageHeaders(Exchange exchange) {
        exchange.response().header(X_FRAME_OPTIONS, "DENY");
        exchange.response().header(CONTENT_SECURITY_POLICY, "frame-ancestors 'none'");
    }

    /**
     * @param resource a class-path resource
     * @return whether it is there (a test checks every listed asset)
     */
    static boolean present(String resource) {
        return StaticAssets.class.getClassLoader().getResource(resource) != null;
    }

    private static boolean acceptsGzip(String header) {
        for (String part : header.split(",")) {
            String[] coding = part.trim().split(";");
            if (coding[0].trim().equalsIgnoreCase("gzip")) {
                return coding.length < 2 || !coding[1].trim().replace(" ", "").equals("q=0");
            }
        }
        return false;
    }

    private static Loaded load(String resource) {
        Objects.requireNonNull(resource, "resource");
        try (InputStream in = StaticAssets.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException(resource + " is missing from the class path");
            }
            byte[] plain = in.readAllBytes();
            ByteArrayOutputStream gzipped = new ByteArrayOutputStream(plain.length / 3 + 64);
            try (GZIPOutputStream out = new GZIPOutputStream(gzipped)) {
                out.write(plain);
            }
            return new Loaded(plain, gzipped.toByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
