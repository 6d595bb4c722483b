package dev.weft.service.http;

import dev.weft.service.Access;
import dev.weft.service.ApiKeys;
import dev.weft.service.Json;
import dev.weft.service.Routes;
import dev.weft.service.Tracing;
import io.helidon.common.socket.SocketOptions;
import io.helidon.http.Method;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http1.Http1Config;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.HttpRoute;
import io.helidon.webserver.http.HttpRouting;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.LoggerFactory;

/**
 * The service's HTTP edge on Helidon's virtual-thread server: every {@link Routes.Route} becomes an entry of one
 * {@link RouteTable}, and a request passes
 * <ol>
 *   <li>the filters {@link RequestIdFilter} ({@code X-Request-Id}, the {@code Host} header, the path's characters,
 *   the request's {@link dev.weft.core.Deadline}; log events read the id through {@link RequestMdc}),
 *   {@link TracingFilter} when tracing is on (the server span, W3C {@code traceparent} honoured) and
 *   {@link RequestMetricsFilter} ({@code http.server.requests}, access log);
 *   <li>routing: one Helidon route, the {@link RouteTable}, which looks a path up by its length and first segment and
 *   runs the first of those routes whose method and {@link TemplateMatcher} take it, literal segments before
 *   parameters ({@code /users/stream} before {@code /users/{id}}); every {@code GET} route takes {@code HEAD}
 *   too (answered without the body, {@link HeadResponse}), and every template has an {@code OPTIONS} route answering
 *   {@code 204} with {@code Allow} ({@link AllowedMethods}) behind the key check of its most open route;
 *   <li>on a route that is not public, {@link KeyCheckedHandler} with {@link ApiKeySecurity}: the key (401), its
 *   rate-limit bucket by hash before any lookup (429), its principal (401), the admin role (403);
 *   <li>{@link EndpointHandler}, which runs the module's {@link dev.weft.service.Endpoint};
 *   <li>for any failure on the way, the one error handler, {@link ProblemErrorHandler} (problem+json; 404 and 405
 *   for a path no route takes). What Helidon refuses before routing gets problem+json from
 *   {@link ProblemDirectHandler}; a first line that is not an HTTP/1.1 request line gets a 505 (another
 *   version) or a 400 from {@link RequestLineRefusals}.
 * </ol>
 * Before any of that, the server holds at most {@link Settings#maxConnections()} connections, and a connection whose
 * request head is not in within {@link Settings#headerTimeout()} gets a 408 from {@link HeadDeadlines} and is closed.
 *
 * <p>Thread-safe. {@link #close()} stops accepting and lets in-flight requests finish within the grace period.
 */
public final class HttpEdge implements AutoCloseable {
    /**
     * How the edge listens and answers.
     *
     * @param bind the address to listen on
     * @param port the port; 0 picks a free one
     * @param shutdownGrace how long in-flight requests may take to finish on {@link #close()}
     * @param maxPayloadSize the largest body Helidon reads at all; each route's own limit is checked by the route
     * @param requestTimeout each request's {@link dev.weft.core.Deadline}
     * @param metricsPublic whether {@link Access#METRICS} routes are public (else admin only)
     * @param maxConnections the most connections held open at once; past it Helidon accepts no more until one
     *     closes, so a new client waits in the kernel's accept queue
     * @param headerTimeout how long a connection may take to send a request's line and headers ({@link HeadDeadlines})
     */
    public record Settings(String bind, int port, Duration shutdownGrace, long maxPayloadSize, Duration requestTimeout,
            boolean metricsPublic, int maxConnections, Duration headerTimeout) {
        /** Checks the parts. */
        public Settings {
            Objects.requireNonNull(bind, "bind");
            Objects.requireNonNull(shutdownGrace, "shutdownGrace");
            Objects.requireNonNull(requestTimeout, "requestTimeout");
            Objects.requireNonNull(headerTimeout, "headerTimeout");
            if (maxConnections < 1) {
                throw new IllegalArgumentException("maxConnections must be at least 1: " + maxConnections);
            }
            if (!headerTimeout.isPositive()) {
                throw new IllegalArgumentException("headerTimeout must be positive: " + headerTimeout);
            }
        }
    }

    private static final Comparator<Registered> MORE_LITERALS_FIRST =
            Comparator.comparingInt((Registered entry) -> entry.matcher().literalCount()).reversed();

    private final WebServer server;
    private final HeadDeadlines headDeadlines;

    private HttpEdge(WebServer server, HeadDeadlines headDeadlines) {
        this.server = server;
        this.headDeadlines = headDeadlines;
    }

    /**
     * Starts listening.
     *
     * @param settings how to listen
     * @param routes the route table the modules filled
     * @param apiKeys checks the keys of routes that are not public
     * @param limiter the per-key rate limiter of routes that are not public
     * @param json the mapper for bodies and problems
     * @param registry where {@code http.server.requests} goes
     * @param tracing the service's tracing: when {@link Tracing#enabled()}, a {@link TracingFilter} makes a server
     *     span per request
     * @return the listening edge
     * @throws dev.weft.core.WeftException ({@code port_in_use}, {@code cannot_listen}, ...) when it cannot listen
     */
    public static HttpEdge start(Settings settings, List<Routes.Route> routes, ApiKeys apiKeys, RateLimiter limiter,
            Json json, MeterRegistry registry, Tracing tracing) {
        Objects.requireNonNull(tracing, "tracing");
        Objects.requireNonNull(settings, "settings");
        // log events take the request's ids from RequestState, which the filters bind anyway
        RequestMdc.install(LoggerFactory.getILoggerFactory());
        HeadDeadlines headDeadlines = new HeadDeadlines(settings.headerTimeout(), json);
        WebServer server;
        try {
            server = server(settings, routes, apiKeys, limiter, json, registry, tracing, headDeadlines);
        } catch (RuntimeException e) {
            headDeadlines.close();
            throw e;
        }
        if (!server.isRunning() || server.port() < 0) {
            // Helidon logged the bind failure and carried on without a listener: never report port -1 as listening
            server.stop();
            headDeadlines.close();
            throw ListenFailure.of(settings.bind(), settings.port());
        }
        return new HttpEdge(server, headDeadlines);
    }

    private static WebServer server(Settings settings, List<Routes.Route> routes, ApiKeys apiKeys, RateLimiter limiter,
            Json json, MeterRegistry registry, Tracing tracing, HeadDeadlines headDeadlines) {
        EdgeRejections rejections = new EdgeRejections(registry);
        return WebServer.builder()
                .host(settings.bind())
                .port(settings.port())
                .shutdownHook(false)
                .shutdownGracePeriod(settings.shutdownGrace())
                .maxPayloadSize(settings.maxPayloadSize())
                // Helidon takes a permit before each accept and returns it when the connection ends: past the cap a
                // client waits in the kernel's backlog instead of costing a descriptor and a thread (unbounded, 1,500
                // connections holding partial heads stayed open in a review, and nothing stopped more)
                .maxTcpConnections(settings.maxConnections())
                // a connection's head has its deadline (HeadDeadlines, which sees each accepted socket through these
                // options). The wait for a kept-alive connection's next request stays Helidon's idle timeout (5 min):
                // a load balancer reuses idle connections for as long as its own idle timeout (AWS 60 s, Google
                // Cloud 610 s), and one the server closed sooner turns its next request into a 502
                .connectionOptions(headDeadlines.socketOptions(SocketOptions.create()))
                .directHandlers(ProblemDirectHandler.forEveryEvent(json, rejections))
                // Helidon hands the direct handlers its own message for an error only with this on; it is never
                // written to the client (ProblemDirectHandler writes its own words), it tells 431 from other 400s
                .errorHandling(io.helidon.webserver.ErrorHandling.builder().includeEntity(true).build())
                .addProtocol(http1Config(headDeadlines))
                .addConnectionSelector(new RequestLineRefusals(json, rejections))
                .routing(routing -> routing(routing, settings, routes, new ApiKeySecurity(apiKeys, limiter), json,
                        registry, tracing))
                .build()
                .start();
    }

    /**
     * Helidon checks every response header's characters, decodes each path with {@link java.net.URI} and matches the
     * {@code Host} header with regular expressions; weft writes its own headers ({@code Exchange.responseHeader}
     * checks what modules add), matches the raw path, and checks the path and {@code Host} by table
     * ({@link RequestIdFilter}, {@link HostHeader}): together ~16 % of the cheapest route, spent twice.
     *
     * <p>Helidon marks its {@code Host} switch for removal (gone in its 27.x, where its own check is always on);
     * weft's check keeps the 400 either way, and upgrading only brings the cost back.
     */
    @SuppressWarnings("removal")
    private static Http1Config http1Config(HeadDeadlines headDeadlines) {
        return Http1Config.builder().validatePath(false).validateResponseHeaders(false)
                .validateRequestHostHeader(false).addReceiveListener(headDeadlines.listener()).build();
    }

    /**
     * Checks that the server could listen on an address, by binding it once and letting it go: a start calls this
     * before it opens the database and migrates, so that a port in use ends it at once, before any work.
     *
     * @param bind the address to listen on
     * @param port the port; 0 for any free one
     * @throws dev.weft.core.WeftException ({@link dev.weft.core.ErrorKind#INVALID_INPUT}: {@code port_in_use},
     *     {@code port_not_permitted}, {@code cannot_listen}) naming the setting to change
     */
    public static void checkCanListen(String bind, int port) {
        ListenFailure failure = ListenFailure.probe(bind, port);
        if (failure != null) {
            throw failure;
        }
    }

    private static void routing(HttpRouting.Builder routing, Settings settings, List<Routes.Route> routes,
            ApiKeySecurity security, Json json, MeterRegistry registry, Tracing tracing) {
        List<AllowedMethods.RouteShape> shapes = new ArrayList<>();
        List<Registered> registered = new ArrayList<>();
        Map<String, Access> optionsAccess = new LinkedHashMap<>();
        for (Routes.Route route : routes) {
            TemplateMatcher matcher = new TemplateMatcher(route.template());
            shapes.add(new AllowedMethods.RouteShape(route.method(), matcher));
            registered.add(new Registered(route, matcher));
            optionsAccess.merge(route.template(), resolved(route.access(), settings), HttpEdge::moreOpen);
        }
        // Helidon takes the first route that matches; with more literal segments first, a literal beats a parameter
        // (a stable sort: among equals, registration order decides, as it did before)
        registered.sort(MORE_LITERALS_FIRST);
        AllowedMethods allowedMethods = new AllowedMethods(shapes);
        List<Registered> options = new ArrayList<>();
        for (Map.Entry<String, Access> template : optionsAccess.entrySet()) {
            // OPTIONS answers Allow behind the key check of the template's most open route: it tells a caller only
            // what that caller could learn by calling
            Routes.Route route = new Routes.Route(Method.OPTIONS, template.getKey(), template.getValue(), 0,
                    allowedMethods::answerOptions, false);
            options.add(new Registered(route, new TemplateMatcher(template.getKey())));
        }
        // after every module route: Helidon tries routes in order, so the other requests never pass these
        options.sort(MORE_LITERALS_FIRST);
        registered.addAll(options);
        ProblemErrorHandler problems = new ProblemErrorHandler(allowedMethods, json);
        routing.addFilter(new RequestIdFilter(settings.requestTimeout()));
        if (tracing.enabled()) {
            // only with an SDK: without one, no filter, so tracing costs a request nothing
            routing.addFilter(new TracingFilter(tracing.tracer(), tracing.openTelemetry().getPropagators()
                    .getTextMapPropagator()));
        }
        RequestMetricsFilter metrics = new RequestMetricsFilter(registry);
        routing.addFilter(metrics)
                .error(Throwable.class, problems);
        List<RouteTable.Entry> entries = new ArrayList<>();
        for (Registered entry : registered) {
            Routes.Route route = entry.route();
            // HEAD wherever GET (RFC 9110 §9.3.2): the same route, so the same key check, template and metrics tag
            // (method HEAD); EndpointHandler drops the body
            Method[] methods = route.method().equals(Method.GET) ? new Method[] {Method.GET, Method.HEAD}
                    : new Method[] {route.method()};
            Handler handler = new EndpointHandler(route, json, problems);
            handler = switch (resolved(route.access(), settings)) {
                case PUBLIC -> handler;
                case AUTHENTICATED -> new KeyCheckedHandler(security, false, handler);
                case ADMIN -> new KeyCheckedHandler(security, true, handler);
                case METRICS -> throw new IllegalStateException("resolved above");
            };
            entries.add(new RouteTable.Entry(methods, entry.matcher(), handler,
                    metrics.routeTimers(route.template(), methods)));
        }
        // one Helidon route: the table finds the few routes a path's shape fits, instead of Helidon trying each
        RouteTable table = new RouteTable(entries);
        routing.route(HttpRoute.builder().path(table).handler(table::dispatch));
    }

    /** @return who may call a route once {@link Access#METRICS} is resolved by the settings */
    private static Access resolved(Access access, Settings settings) {
        if (access == Access.METRICS) {
            return settings.metricsPublic() ? Access.PUBLIC : Access.ADMIN;
        }
        return access;
    }

    /** @return of two resolved accesses, the one that lets more callers in */
    private static Access moreOpen(Access one, Access other) {
        return one.compareTo(other) <= 0 ? one : other; // PUBLIC, AUTHENTICATED, ADMIN: declared most open first
    }

    /** A route and its matcher, sorted for registration. */
    private record Registered(Routes.Route route, TemplateMatcher matcher) {
    }

    /** @return the port listened on */
    public int port() {
        return server.port();
    }

    @Override
    public void close() {
        server.stop();
        headDeadlines.close();
    }
}
