package dev.weft.service.http;

import dev.weft.service.LogConfigurator;
import io.helidon.http.Method;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Counts every request in {@code http.server.requests} (method, route template, status, outcome, and exception: the
 * simple class name of the exception that produced an error answer, {@code none} otherwise, as Spring Boot tags it) and
 * writes its
 * access-log line. The template is the one of the route the {@link RouteTable} ran (e.g. {@code /users/{id}}),
 * {@code unmatched} for a 404 or 405. The status is the response's, unless the request failed in
 * a way the response cannot show (a client that went away: 499; a body that stalled: 408; an answer that broke off:
 * the failure's status), which the route or the error handler counted in {@link RequestState}.
 *
 * <p>Thread-safe.
 */
final class RequestMetricsFilter implements Filter {
    static final String UNMATCHED = "unmatched";
    /**
     * What metrics, the access log and spans call a method outside HTTP's own (OpenTelemetry's {@code _OTHER}):
     * a method is any token the client picks, and each one counted under its own name added a series of 14 buckets
     * per status to {@code /metrics}, unbounded and without a key ({@code curl -X M123 /users} is a 405).
     */
    static final String OTHER_METHOD = "_OTHER";
    private static final java.util.Set<String> KNOWN_METHODS = java.util.Set.of("GET", "HEAD", "POST", "PUT",
            "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH", "QUERY");
    private static final Logger ACCESS = LoggerFactory.getLogger(LogConfigurator.ACCESS_LOGGER);

    /**
     * Fixed latency buckets ({@code le} in Prometheus): enough for the dashboard's and Grafana's
     * {@code histogram_quantile} to read p50/p95/p99 per route, few enough (13) to keep {@code /metrics} small; a
     * percentile histogram would add ~70 buckets per series.
     */
    static final Duration[] LATENCY_BUCKETS = {Duration.ofMillis(1), Duration.ofMillis(2), Duration.ofMillis(5),
        Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100),
        Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofMillis(2500),
        Duration.ofSeconds(5), Duration.ofSeconds(10)};

    private static final int MIN_STATUS = 100;
    private static final int MAX_STATUS = 599;
    private static final int STATUSES = MAX_STATUS - MIN_STATUS + 1;

    private final MeterRegistry registry;
    /**
     * The timers of answers no exception produced that no route's {@link RouteTimers} counted (a path no route takes:
     * 404 or 405), by template and method, then by status: found without making a key per request (a request's
     * strings are the routes' own and Helidon's constants, whose hashes are cached).
     */
    private final ConcurrentHashMap<String, ConcurrentHashMap<String, AtomicReferenceArray<Timer>>> plain =
            new ConcurrentHashMap<>();
    /** The other timers: an answer an exception produced (rare, so a key per request is fine), odd statuses. */
    private final ConcurrentHashMap<TimerKey, Timer> timers = new ConcurrentHashMap<>();

    RequestMetricsFilter(MeterRegistry registry) {
        this.registry = Objects.requireNonNull(registry, "registry");
    }

    /**
     * The timers of one route, to hand to its {@link EndpointHandler}.
     *
     * @param template the route's template, its {@code uri} tag
     * @param methods the methods the route takes
     * @return the route's timers, none registered yet
     */
    RouteTimers routeTimers(String template, Method... methods) {
        return new RouteTimers(template, methods);
    }

    @Override
    public void filter(FilterChain chain, RoutingRequest request, RoutingResponse response) {
        long started = System.nanoTime();
        try {
            chain.proceed();
        } finally {
            long nanos = System.nanoTime() - started;
            RequestState state = RequestState.CURRENT.get();
            int status = state.countedStatus() != 0 ? state.countedStatus() : response.status().code();
            Method method = request.prologue().method();
            String methodName = methodName(method);
            RouteTimers route = state.route();
            if (ACCESS.isInfoEnabled()) {
                // no request_id key-value: every event logged in a request has it in the MDC (RequestMdc), which
                // every format writes; the key-value made the text format print it twice
                var line = ACCESS.atInfo().setMessage("request").addKeyValue("http.request.method", methodName);
                if (methodName.equals(OTHER_METHOD)) {
                    line = line.addKeyValue("http.request.method_original", method.text());
                }
                line.addKeyValue("http.route", route != null ? route.template : UNMATCHED)
                        .addKeyValue("http.response.status_code", status)
                        .addKeyValue("duration_ms", Math.round(nanos / 10_000.0) / 100.0)
                        .log();
            }
            String exception = state.exception();
            // the route's own table when its endpoint ran and no exception answered: two array reads
            Timer timer = route != null && RequestState.NO_EXCEPTION.equals(exception) ? route.timer(method, status)
                    : null;
            if (timer == null) {
                timer = timer(methodName, route != null ? route.template : UNMATCHED, status, exception);
            }
            timer.record(nanos, TimeUnit.NANOSECONDS);
        }
    }

    /**
     * @param method a request's method
     * @return its name if it is one of HTTP's own methods, else {@link #OTHER_METHOD}
     */
    static String methodName(Method method) {
        return methodName(method.text());
    }

    /**
     * @param text a request's method as sent
     * @return it if it is one of HTTP's own methods, else {@link #OTHER_METHOD}
     */
    static String methodName(String text) {
        return KNOWN_METHODS.contains(text) ? text : OTHER_METHOD;
    }

    /**
     * @param state a request's state, or {@code null} outside the filters
     * @return the template of the route that took the request ({@link RouteTable}), {@link #UNMATCHED} if none did
     */
    static String template(@Nullable RequestState state) {
        RouteTimers route = state == null ? null : state.route();
        return route != null ? route.template : UNMATCHED;
    }

    /**
     * The {@code http.server.requests} timers of one route's answers that no exception produced, by method and
     * status, each registered on its first use (a status never answered has no series). Its {@link EndpointHandler}
     * puts it in {@link RequestState}, so that the filter finds the timer without looking up the template and method
     * on every request (that lookup, with its {@code Optional}, was ~3 % of {@code /health/live}'s samples).
     *
     * <p>Thread-safe.
     */
    final class RouteTimers {
        private final String template;
        private final Method[] methods;
        /** By method (in {@link #methods}' order), then by status from {@link #MIN_STATUS}. */
        private final AtomicReferenceArray<Timer> timers;

        private RouteTimers(String template, Method... methods) {
            this.template = Objects.requireNonNull(template, "template");
            this.methods = methods.clone();
            this.timers = new AtomicReferenceArray<>(methods.length * STATUSES);
        }

        /** @return the route's template, its {@code uri} tag */
        String template() {
            return template;
        }

        /** @return the timer of an answer without an exception; {@code null} for a status or method it has none for */
        private @Nullable Timer timer(Method method, int status) {
            if (status < MIN_STATUS || status > MAX_STATUS) {
                return null;
            }
            for (int i = 0; i < methods.length; i++) {
                if (methods[i] == method || methods[i].equals(method)) {
                    int slot = i * STATUSES + status - MIN_STATUS;
                    Timer timer = timers.get(slot);
                    if (timer == null) {
                        // Micrometer returns the registered timer for the same name and tags, so a race registers one
                        timer = register(new TimerKey(method.text(), template, status, RequestState.NO_EXCEPTION));
                        timers.set(slot, timer);
                    }
                    return timer;
                }
            }
            return null;
        }
    }

    /** The tags of one {@code http.server.requests} timer. */
    private record TimerKey(String method, String template, int status, String exception) {
    }

    private Timer timer(String method, String template, int status, String exception) {
        if (!RequestState.NO_EXCEPTION.equals(exception) || status < MIN_STATUS || status > MAX_STATUS) {
            return timers.computeIfAbsent(new TimerKey(method, template, status, exception), this::register);
        }
        // get before computeIfAbsent: the latter may lock a bin even when the entry is there
        ConcurrentHashMap<String, AtomicReferenceArray<Timer>> byMethod = plain.get(template);
        if (byMethod == null) {
            byMethod = plain.computeIfAbsent(template, unused -> new ConcurrentHashMap<>());
        }
        AtomicReferenceArray<Timer> byStatus = byMethod.get(method);
        if (byStatus == null) {
            byStatus = byMethod.computeIfAbsent(method, unused -> new AtomicReferenceArray<>(STATUSES));
        }
        Timer timer = byStatus.get(status - MIN_STATUS);
        if (timer == null) {
            // Micrometer returns the registered timer for the same name and tags, so a race registers one
            timer = register(new TimerKey(method, template, status, exception));
            byStatus.set(status - MIN_STATUS, timer);
        }
        return timer;
    }

    private Timer register(TimerKey key) {
        int status = key.status();
        return Timer.builder("http.server.requests")
                .description("HTTP requests the service answered")
                .tag("method", key.method())
                .tag("uri", key.template())
                .tag("status", Integer.toString(status))
                .tag("exception", key.exception())
                .serviceLevelObjectives(LATENCY_BUCKETS)
                .tag("outcome", status == ClientDisconnects.ABORTED ? "CLIENT_ABORT" : status >= 500 ? "SERVER_ERROR"
                        : status >= 400 ? "CLIENT_ERROR" : status >= 300 ? "REDIRECTION" : "SUCCESS")
                .register(registry);
    }
}
