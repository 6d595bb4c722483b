package dev.weft.service;

import dev.weft.core.Deadline;
import dev.weft.core.ErrorKind;
import dev.weft.core.WeftException;
import dev.weft.service.http.RateLimiter;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.Method;
import io.helidon.http.Status;
import io.helidon.webserver.CloseConnectionException;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The one Helidon handler: matches the route table, checks the key and the rate, runs the endpoint, maps every
 * failure to problem+json, and writes one access-log line and one {@code http.server.requests} sample per request.
 */
final class Edge implements Handler {
    private static final Logger LOG = LoggerFactory.getLogger(Edge.class);
    private static final Logger ACCESS = LoggerFactory.getLogger(LogConfigurator.ACCESS_LOGGER);
    private static final Pattern REQUEST_ID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");
    private static final String PROBLEM_TYPE = "https://weft.dev/problems/";
    private static final HeaderName REQUEST_ID_HEADER = HeaderNames.create("X-Request-Id");
    private static final HeaderName API_KEY_HEADER = HeaderNames.create("X-API-Key");

    private final List<Routes.Route> routes;
    private final List<List<String>> routeSegments;
    /** Per route, the parameter name at each segment, or null where the segment is a literal. */
    private final List<@Nullable String[]> routeParamNames;
    private final java.util.concurrent.ConcurrentHashMap<TimerKey, Timer> timers =
            new java.util.concurrent.ConcurrentHashMap<>();
    private final ServiceContext context;
    private final RateLimiter rateLimiter;
    private final MeterRegistry registry;
    private final FailureLogThrottle failureLogs =
            new FailureLogThrottle(java.util.concurrent.TimeUnit.SECONDS.toNanos(1));

    Edge(List<Routes.Route> routes, ServiceContext context, RateLimiter rateLimiter) {
        this.routes = List.copyOf(routes);
        // Split once: splitting every template on every request was the largest cost of routing.
        this.routeSegments = this.routes.stream().map(Routes.Route::segments).toList();
        this.routeParamNames = this.routeSegments.stream().map(Edge::paramNames).toList();
        this.context = context;
        this.rateLimiter = rateLimiter;
        this.registry = context.registry();
    }

    @Override
    public void handle(ServerRequest request, ServerResponse response) {
        long started = System.nanoTime();
        String requestId = request.headers().first(REQUEST_ID_HEADER)
                .filter(id -> REQUEST_ID.matcher(id).matches()).orElseGet(Edge::newRequestId);
        response.header(REQUEST_ID_HEADER, requestId);
        String template = "unmatched";
        Method method = request.prologue().method();
        MDC.put("request_id", requestId);
        Exchange exchange = null;
        int failedStatus = 0;
        try {
            List<String> segments = decode(request.path().rawPath());
            Match match = match(method, segments);
            template = match.route().template();
            Principal principal = authorize(match.route().access(), request);
            if (principal != null) {
                RateLimiter.Decision decision = rateLimiter.tryAcquire(principal.scope());
                if (!decision.allowed()) {
                    response.header(HeaderNames.RETRY_AFTER, Long.toString(decision.retryAfterSeconds()));
                    throw ProblemException.of(429, "rate_limited", "more than " + context.config().rateLimit()
                            + " requests per second with this key");
                }
            }
            exchange = new Exchange(request, response, match.route(), match.params(), principal, requestId,
                    context.json());
            Exchange current = exchange;
            // The request's deadline bounds its waits further down (a database connection): 503, not a long queue.
            Deadline.after(context.config().requestTimeout()).call(() -> {
                match.route().endpoint().handle(current);
                return null;
            });
            if (!response.isSent() && !exchange.streamed()) {
                response.status(Status.NO_CONTENT_204).send();
            }
        } catch (Throwable failure) {
            failedStatus = problem(request, response, failure, method, template,
                    exchange != null && exchange.streamed());
            if (failure instanceof Error error && !(failure instanceof StackOverflowError)) {
                throw error;
            }
            if (failedStatus == ClientDisconnects.ABORTED || failedStatus == ClientDisconnects.TIMED_OUT) {
                // Helidon closes the connection quietly; returning unanswered would make it log and try a 500
                throw new CloseConnectionException("the client went away or stopped sending");
            }
        } finally {
            long nanos = System.nanoTime() - started;
            // a failure after the answer began (or with no answer possible) counts as what it was, not as the 200 set
            int status = failedStatus != 0 ? failedStatus : response.status().code();
            if (ACCESS.isInfoEnabled()) {
                ACCESS.atInfo().setMessage("request")
                        .addKeyValue("request_id", requestId)
                        .addKeyValue("http.request.method", method.text())
                        .addKeyValue("http.route", template)
                        .addKeyValue("http.response.status_code", status)
                        .addKeyValue("duration_ms", Math.round(nanos / 10_000.0) / 100.0)
                        .log();
            }
            timers.computeIfAbsent(new TimerKey(method.text(), template, status), this::timer)
                    .record(nanos, TimeUnit.NANOSECONDS);
            MDC.remove("request_id");
        }
    }

    /** The tags of one {@code http.server.requests} timer. */
    private record TimerKey(String method, String template, int status) {
    }

    private Timer timer(TimerKey key) {
        int status = key.status();
        return Timer.builder("http.server.requests")
                .description("HTTP requests the service answered")
                .tag("method", key.method())
                .tag("uri", key.template())
                .tag("status", Integer.toString(status))
                .tag("outcome", status == ClientDisconnects.ABORTED ? "CLIENT_ABORT" : status >= 500 ? "SERVER_ERROR"
                        : status >= 400 ? "CLIENT_ERROR" : status >= 300 ? "REDIRECTION" : "SUCCESS")
                .register(registry);
    }

    /**
     * A random (version 4) UUID from {@link java.util.concurrent.ThreadLocalRandom}: a request id only has to be
     * unique, not unguessable, and {@link UUID#randomUUID()} takes a lock around {@code SecureRandom} on every call.
     */
    static String newRequestId() {
        java.util.concurrent.ThreadLocalRandom random = java.util.concurrent.ThreadLocalRandom.current();
        long high = (random.nextLong() & ~0xF000L) | 0x4000L;
        long low = (random.nextLong() & 0x3FFF_FFFF_FFFF_FFFFL) | 0x8000_0000_0000_0000L;
        return new UUID(high, low).toString();
    }

    /** A matched route and its path parameters. */
    private record Match(Routes.Route route, Map<String, String> params) {
    }

    private Match match(Method method, List<String> segments) {
        Match best = null;
        int bestLiterals = -1;
        boolean pathExists = false;
        for (int index = 0; index < routes.size(); index++) {
            Routes.Route route = routes.get(index);
            List<String> template = routeSegments.get(index);
            if (template.size() != segments.size()) {
                continue;
            }
            @Nullable String[] names = routeParamNames.get(index);
            int literals = 0;
            boolean matches = true;
            for (int i = 0; i < template.size() && matches; i++) {
                if (names[i] == null) {
                    matches = template.get(i).equals(segments.get(i));
                    literals++;
                }
            }
            if (!matches) {
                continue;
            }
            pathExists = true;
            if (route.method().equals(method) && literals > bestLiterals) {
                best = new Match(route, params(names, segments));
                bestLiterals = literals;
            }
        }
        if (best != null) {
            return best;
        }
        if (!pathExists) {
            throw ProblemException.of(404, "route_not_found", "no such endpoint");
        }
        throw new MethodNotAllowed(String.join(", ", allowedMethods(segments)));
    }

    /** Package-private for tests. @return per segment of a template, its parameter name, or null for a literal */
    static @Nullable String[] paramNames(List<String> template) {
        @Nullable String[] names = new String[template.size()];
        for (int i = 0; i < names.length; i++) {
            String part = template.get(i);
            names[i] = part.startsWith("{") ? part.substring(1, part.length() - 1) : null;
        }
        return names;
    }

    /** Package-private for tests. @return the path parameters of a matched path, by name */
    static Map<String, String> params(@Nullable String[] names, List<String> segments) {
        String name = null;
        String value = null;
        Map<String, String> params = null;
        for (int i = 0; i < names.length; i++) {
            String part = names[i];
            if (part == null) {
                continue;
            }
            if (name == null) {
                name = part;
                value = segments.get(i);
            } else {
                if (params == null) {
                    params = new HashMap<>();
                    params.put(name, value);
                }
                params.put(part, segments.get(i));
            }
        }
        // most routes have one parameter or none: no hash map for them
        return params != null ? params : name == null ? Map.of() : Map.of(name, value);
    }

    /** The methods of every route whose template matches the path (for a 405's Allow header). */
    private Set<String> allowedMethods(List<String> segments) {
        Set<String> allowed = new LinkedHashSet<>();
        for (int index = 0; index < routes.size(); index++) {
            if (matches(routeSegments.get(index), segments)) {
                allowed.add(routes.get(index).method().text());
            }
        }
        return allowed;
    }

    private static boolean matches(List<String> template, List<String> segments) {
        if (template.size() != segments.size()) {
            return false;
        }
        for (int i = 0; i < template.size(); i++) {
            String part = template.get(i);
            if (!part.startsWith("{") && !part.equals(segments.get(i))) {
                return false;
            }
        }
        return true;
    }

    private @Nullable Principal authorize(Access access, ServerRequest request) {
        Access effective = access == Access.METRICS
                ? (context.config().metricsPublic() ? Access.PUBLIC : Access.ADMIN) : access;
        if (effective == Access.PUBLIC) {
            return null;
        }
        Optional<String> key = request.headers().first(API_KEY_HEADER);
        if (key.isEmpty()) {
            key = request.headers().first(HeaderNames.AUTHORIZATION)
                    .filter(value -> value.regionMatches(true, 0, "Bearer ", 0, 7))
                    .map(value -> value.substring(7).strip());
        }
        if (key.isEmpty() || key.get().isEmpty()) {
            throw ProblemException.unauthorized("an API key is required (X-API-Key or Authorization: Bearer)");
        }
        Principal principal = context.apiKeys().authenticate(key.get())
                .orElseThrow(() -> ProblemException.unauthorized("the API key is not valid"));
        if (effective == Access.ADMIN && !principal.admin()) {
            throw ProblemException.forbidden("this endpoint needs the admin key");
        }
        return principal;
    }

    /** Answers a failure with a problem (unless the answer began) and logs it once. @return the status counted */
    private int problem(ServerRequest request, ServerResponse response, Throwable failure, Method method,
            String template, boolean streamed) {
        int disconnected = ClientDisconnects.status(failure);
        if (disconnected != 0) {
            // the client's doing, and the connection is gone: nothing to answer, no stack, no server error
            LOG.atDebug().setMessage(disconnected == ClientDisconnects.TIMED_OUT
                            ? "request body stalled; connection closed" : "client closed the connection")
                    .addKeyValue("http.request.method", method.text()).addKeyValue("http.route", template)
                    .addKeyValue("http.response.status_code", disconnected).log();
            return disconnected;
        }
        int status;
        String code;
        String detail;
        List<ProblemException.FieldError> errors = List.of();
        switch (failure) {
            case MethodNotAllowed notAllowed -> {
                status = 405;
                code = "method_not_allowed";
                detail = method.text() + " is not allowed here; allowed: " + notAllowed.allow;
                response.header(HeaderNames.ALLOW, notAllowed.allow);
            }
            case ProblemException api -> {
                status = api.status();
                code = api.code();
                detail = api.getMessage();
                errors = api.errors();
            }
            case WeftException weft -> {
                status = status(weft.kind());
                code = weft.code();
                detail = switch (weft.kind()) {
                    case INVALID_INPUT -> "the request is invalid";
                    case UNAUTHENTICATED -> "authentication required";
                    case FORBIDDEN -> "not allowed";
                    case NOT_FOUND -> "not found";
                    case CONFLICT -> "the request conflicts with the current state";
                    case TIMEOUT -> "a dependency did not answer in time";
                    case UNAVAILABLE -> "a dependency is unavailable; retry later";
                    case RATE_LIMITED -> "a dependency is rate limited; retry later";
                    case UPSTREAM -> "a dependency failed";
                    case INTERNAL -> "internal error";
                };
                // never for commit_outcome_unknown: a client that retried on the header could apply a write twice
                if ((weft.kind() == ErrorKind.UNAVAILABLE || weft.kind() == ErrorKind.RATE_LIMITED)
                        && (weft.retryable() || weft.retryAfter().isPresent())) {
                    long seconds = weft.retryAfter().map(wait -> (wait.toMillis() + 999) / 1000).orElse(1L);
                    response.header(HeaderNames.RETRY_AFTER, Long.toString(Math.max(1, seconds)));
                }
            }
            default -> {
                status = 500;
                code = "internal_error";
                detail = "internal error";
            }
        }
        if (status == 500) {
            LOG.atError().setMessage("request failed").setCause(failure)
                    .addKeyValue("http.request.method", method.text()).addKeyValue("http.route", template)
                    .addKeyValue("http.response.status_code", status).log();
        } else if (status > 500) {
            // a dependency is down or slow: expected in an outage, so one line per code a second, no stack trace
            long suppressed = failureLogs.admit(code, System.nanoTime());
            if (suppressed >= 0) {
                LOG.atWarn().setMessage("request failed").addKeyValue("error.code", code)
                        .addKeyValue("error.message", failure.getMessage())
                        .addKeyValue("http.request.method", method.text()).addKeyValue("http.route", template)
                        .addKeyValue("http.response.status_code", status)
                        .addKeyValue("suppressed_since_last", suppressed).log();
            }
        }
        if (response.isSent() || streamed) {
            return status; // a streamed answer failed midway: the client sees a cut-off body; the log has the cause
        }
        if (status == 401) {
            response.header(HeaderNames.WWW_AUTHENTICATE, "Bearer realm=\"weft\"");
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("type", PROBLEM_TYPE + code);
        body.put("title", Status.create(status).reasonPhrase());
        body.put("status", status);
        body.put("detail", detail);
        body.put("code", code);
        body.put("instance", request.path().rawPath());
        if (!errors.isEmpty()) {
            List<Map<String, String>> list = new ArrayList<>();
            for (ProblemException.FieldError error : errors) {
                list.add(Map.of("field", error.field(), "message", error.message()));
            }
            body.put("errors", list);
        }
        try {
            response.status(Status.create(status));
            response.header(HeaderNames.CONTENT_TYPE, "application/problem+json");
            response.send(context.json().write(body));
        } catch (RuntimeException e) {
            if (ClientDisconnects.status(e) != 0) {
                LOG.atDebug().setMessage("client closed the connection").addKeyValue("http.route", template).log();
                return status >= 500 ? status : ClientDisconnects.ABORTED;
            }
            LOG.atWarn().setMessage("could not send the problem response").setCause(e).log();
        }
        return status;
    }

    /**
     * Problem bodies for what Helidon answers before any route runs (a malformed request line or header, a body over
     * the server's limit), so that every error a client sees is problem+json.
     *
     * @param json the mapper
     * @return the handlers for every event type
     */
    static io.helidon.webserver.http.DirectHandlers directHandlers(Json json) {
        io.helidon.http.DirectHandler handler = (request, event, status, headers, message) -> {
            String code = switch (event) {
                case BAD_REQUEST -> "bad_request";
                case PAYLOAD_TOO_LARGE -> "payload_too_large";
                case FORBIDDEN -> "forbidden";
                case INTERNAL_ERROR -> "internal_error";
                case HTTP_VERSION_NOT_SUPPORTED -> "http_version_not_supported";
                case OTHER -> "http_error";
            };
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("type", PROBLEM_TYPE + code);
            body.put("title", status.reasonPhrase());
            body.put("status", status.code());
            body.put("detail", status.code() >= 500 ? "internal error" : "the request could not be read");
            body.put("code", code);
            String path = request.path();
            body.put("instance", path == null || path.isEmpty() ? "/" : path);
            return io.helidon.http.DirectHandler.TransportResponse.builder()
                    .status(status)
                    .headers(headers)
                    .header(HeaderNames.CONTENT_TYPE, "application/problem+json")
                    .keepAlive(event.keepAlive())
                    .entity(json.write(body))
                    .build();
        };
        io.helidon.webserver.http.DirectHandlers.Builder builder = io.helidon.webserver.http.DirectHandlers.builder();
        for (io.helidon.http.DirectHandler.EventType event : io.helidon.http.DirectHandler.EventType.values()) {
            builder.addHandler(event, handler);
        }
        return builder.build();
    }

    /** ErrorKind to HTTP status: one exhaustive switch, so a new kind fails the build until it is mapped. */
    static int status(ErrorKind kind) {
        return switch (kind) {
            case INVALID_INPUT -> 400;
            case UNAUTHENTICATED -> 401;
            case FORBIDDEN -> 403;
            case NOT_FOUND -> 404;
            case CONFLICT -> 409;
            case TIMEOUT -> 504;
            case UNAVAILABLE -> 503;
            case RATE_LIMITED -> 429;
            case UPSTREAM -> 502;
            case INTERNAL -> 500;
        };
    }

    /** Splits a raw path into percent-decoded segments; {@code %2F} stays inside its segment. */
    static List<String> decode(String rawPath) {
        List<String> segments = new ArrayList<>();
        for (String raw : rawPath.split("/", -1)) {
            if (!raw.isEmpty()) {
                segments.add(percentDecode(raw));
            }
        }
        return segments;
    }

    private static String percentDecode(String raw) {
        if (raw.indexOf('%') < 0) {
            return raw;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(raw.length());
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c == '%') {
                if (i + 2 >= raw.length()) {
                    throw ProblemException.of(400, "invalid_path", "malformed percent-encoding in the path");
                }
                int high = Character.digit(raw.charAt(i + 1), 16);
                int low = Character.digit(raw.charAt(i + 2), 16);
                if (high < 0 || low < 0) {
                    throw ProblemException.of(400, "invalid_path", "malformed percent-encoding in the path");
                }
                out.write(high * 16 + low);
                i += 2;
            } else {
                byte[] bytes = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
                out.write(bytes, 0, bytes.length);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    /** A path that exists for other methods. */
    private static final class MethodNotAllowed extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final String allow;

        MethodNotAllowed(String allow) {
            super("method not allowed", null, false, false);
            this.allow = allow;
        }
    }
}
