package dev.weft.service;

import io.helidon.http.Method;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The route table modules fill at startup: method, path template ({@code /users/{id}}), who may call it, and the
 * endpoint. The edge ({@link dev.weft.service.http.HttpEdge}) registers each route in Helidon's routing, so each
 * request's template is known (for logs and metrics) and an unknown path (404) is told from a wrong method (405 with
 * {@code Allow}). Literal segments win over parameters ({@code /users/stream} before {@code /users/{id}}).
 *
 * <p>Not thread-safe while being filled; read-only once the server has started.
 */
public final class Routes {
    private static final Pattern LITERAL = Pattern.compile("[A-Za-z0-9_.-]+");
    private static final Pattern PARAM = Pattern.compile("\\{[a-z_][a-z0-9_]*}");

    /**
     * One route.
     *
     * @param method the HTTP method
     * @param template the path template
     * @param access who may call it
     * @param maxBody the largest request body the route reads, in bytes
     * @param endpoint the handler
     * @param eventStream whether it answers a Server-Sent Events stream ({@link #eventStream}): a request that lasts
     *     as long as its client listens, so its client leaving is its normal end and its duration is no latency
     */
    public record Route(Method method, String template, Access access, long maxBody, Endpoint endpoint,
            boolean eventStream) {
        /** Checks the parts. */
        public Route {
            Objects.requireNonNull(method, "method");
            Objects.requireNonNull(template, "template");
            Objects.requireNonNull(access, "access");
            Objects.requireNonNull(endpoint, "endpoint");
        }

        /** @return the template's segments */
        public List<String> segments() {
            return split(template);
        }
    }

    private final List<Route> routes = new ArrayList<>();
    private final long defaultMaxBody;

    Routes(long defaultMaxBody) {
        this.defaultMaxBody = defaultMaxBody;
    }

    /**
     * Registers a route whose body is limited to {@code WEFT_MAX_BODY}.
     *
     * @param method the method
     * @param template the path template, e.g. {@code /users/{id}}
     * @param access who may call it
     * @param endpoint the handler
     * @return this
     * @throws IllegalArgumentException for a malformed template or one already registered for the method
     */
    public Routes route(Method method, String template, Access access, Endpoint endpoint) {
        return route(method, template, access, defaultMaxBody, endpoint);
    }

    /**
     * Registers a route with its own body limit (uploads).
     *
     * @param method the method
     * @param template the path template
     * @param access who may call it
     * @param maxBody the largest body in bytes
     * @param endpoint the handler
     * @return this
     */
    public Routes route(Method method, String template, Access access, long maxBody, Endpoint endpoint) {
        return add(new Route(method, template, access, maxBody, endpoint, false));
    }

    /**
     * Registers a {@code GET} route that answers a Server-Sent Events stream ({@link EventStreams}). The edge counts a
     * client closing it as the {@code 200} it began with, not as a 499 (closing is how an {@code EventSource} ends), and
     * the dashboard leaves its duration, the stream's lifetime, out of the service's latency.
     *
     * @param template the path template
     * @param access who may call it
     * @param endpoint the handler, which starts its answer with {@link EventStreams#start}
     * @return this
     * @throws IllegalArgumentException for a malformed template or one already registered for {@code GET}
     */
    public Routes eventStream(String template, Access access, Endpoint endpoint) {
        return add(new Route(Method.GET, template, access, defaultMaxBody, endpoint, true));
    }

    private Routes add(Route route) {
        for (String segment : split(route.template())) {
            if (!LITERAL.matcher(segment).matches() && !PARAM.matcher(segment).matches()) {
                throw new IllegalArgumentException("bad segment '" + segment + "' in route " + route.template());
            }
        }
        for (Route existing : routes) {
            if (existing.method().equals(route.method()) && existing.template().equals(route.template())) {
                throw new IllegalArgumentException("route registered twice: " + route.method().text() + " "
                        + route.template());
            }
        }
        routes.add(route);
        return this;
    }

    /** @param template path @param access who @param endpoint handler @return this */
    public Routes get(String template, Access access, Endpoint endpoint) {
        return route(Method.GET, template, access, endpoint);
    }

    /** @param template path @param access who @param endpoint handler @return this */
    public Routes post(String template, Access access, Endpoint endpoint) {
        return route(Method.POST, template, access, endpoint);
    }

    /** @param template path @param access who @param endpoint handler @return this */
    public Routes put(String template, Access access, Endpoint endpoint) {
        return route(Method.PUT, template, access, endpoint);
    }

    /** @param template path @param access who @param endpoint handler @return this */
    public Routes patch(String template, Access access, Endpoint endpoint) {
        return route(Method.PATCH, template, access, endpoint);
    }

    /** @param template path @param access who @param endpoint handler @return this */
    public Routes delete(String template, Access access, Endpoint endpoint) {
        return route(Method.DELETE, template, access, endpoint);
    }

    /** @return every route, in registration order */
    public List<Route> all() {
        return Collections.unmodifiableList(routes);
    }

    static List<String> split(String path) {
        List<String> out = new ArrayList<>();
        for (String part : path.split("/", -1)) {
            if (!part.isEmpty()) {
                out.add(part);
            }
        }
        return out;
    }
}
