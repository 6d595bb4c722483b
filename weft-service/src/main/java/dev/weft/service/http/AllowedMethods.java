package dev.weft.service.http;

import dev.weft.service.Exchange;
import io.helidon.common.uri.UriPath;
import io.helidon.http.HeaderNames;
import io.helidon.http.Method;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The methods a path answers, for {@code Allow} (RFC 9110 §10.2.1): on a 405, and as the whole answer to
 * {@code OPTIONS}. A path allows the methods of every route whose template matches it ({@code /users/stream} matches
 * {@code /users/stream} and {@code /users/{id}}), plus {@code HEAD} wherever {@code GET} is allowed and
 * {@code OPTIONS} everywhere, since the edge answers both for every path it knows. Listed in one fixed order
 * ({@code GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS}), so the header does not depend on registration order.
 *
 * <p>Immutable and thread-safe.
 */
final class AllowedMethods {
    private static final List<Method> ORDER = List.of(Method.GET, Method.HEAD, Method.POST, Method.PUT,
            Method.PATCH, Method.DELETE, Method.OPTIONS);

    /** A route's method and template. */
    record RouteShape(Method method, TemplateMatcher matcher) {
    }

    private final List<RouteShape> routes;

    /** @param routes every route the modules registered (not the edge's own {@code HEAD} and {@code OPTIONS}) */
    AllowedMethods(List<RouteShape> routes) {
        this.routes = List.copyOf(routes);
    }

    /**
     * @param path a request's path
     * @return the {@code Allow} value for it, e.g. {@code GET, HEAD, POST, OPTIONS}; empty when no route takes it
     */
    String allow(UriPath path) {
        Set<Method> allowed = new LinkedHashSet<>();
        for (RouteShape route : routes) {
            if (route.matcher().match(path).accepted()) {
                allowed.add(route.method());
            }
        }
        if (allowed.isEmpty()) {
            return "";
        }
        if (allowed.contains(Method.GET)) {
            allowed.add(Method.HEAD);
        }
        allowed.add(Method.OPTIONS);
        List<String> names = new ArrayList<>();
        for (Method method : ORDER) {
            if (allowed.remove(method)) {
                names.add(method.text());
            }
        }
        for (Method other : allowed) {
            names.add(other.text()); // a method outside the usual ones, should a module register one
        }
        return String.join(", ", names);
    }

    /**
     * Answers an {@code OPTIONS} request: 204 with {@code Allow}. The edge registers it once per template, behind the
     * same key check as the template's most open route.
     *
     * @param exchange the {@code OPTIONS} request
     */
    void answerOptions(Exchange exchange) {
        exchange.response().header(HeaderNames.ALLOW, allow(exchange.request().prologue().uriPath()));
        exchange.noContent();
    }
}
