package dev.weft.service.http;

import io.helidon.common.uri.UriPath;
import io.helidon.http.Method;
import io.helidon.http.NotFoundException;
import io.helidon.http.PathMatcher;
import io.helidon.http.PathMatchers;
import io.helidon.http.RoutedPath;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Every route of the service behind one Helidon route: a path is looked up by its number of segments and its first
 * segment, so a request tries only the few routes that could take it, in the order they were given (more literal
 * segments first), instead of Helidon trying every route in turn (its method check, then the template, ~30 routes
 * before {@code /users/{id}}). The table is Helidon's path matcher (it accepts a path some route's shape fits) and its
 * handler ({@link #dispatch}: the first route whose method and template take the request runs; none is Helidon's
 * "no route", answered 404 or 405 by {@link ProblemErrorHandler}).
 *
 * <p>The route that runs is put in {@link RequestState} before its key check, so metrics, logs and traces name its
 * template for every answer, a 401 included; its decoded parameters travel in the request's path
 * ({@link MatchedPath}).
 *
 * <p>Immutable and thread-safe.
 */
final class RouteTable implements PathMatcher {
    /**
     * One route.
     *
     * @param methods the methods it takes ({@code GET} routes take {@code HEAD} too)
     * @param matcher its template
     * @param handler what runs it (the key check, then the endpoint)
     * @param timers its {@code http.server.requests} timers, which also name its template
     */
    record Entry(Method[] methods, TemplateMatcher matcher, Handler handler, RequestMetricsFilter.RouteTimers timers) {
        private boolean takes(Method method) {
            for (Method taken : methods) {
                if (taken == method || taken.equals(method)) {
                    return true;
                }
            }
            return false;
        }
    }

    private static final Entry[] NONE = new Entry[0];

    /** By number of segments: the routes of that length, grouped by first segment. */
    private final Shape[] shapes;

    /** @param entries the routes in the order they are tried: a path goes to the first that takes it */
    RouteTable(List<Entry> entries) {
        int longest = 0;
        for (Entry entry : entries) {
            longest = Math.max(longest, entry.matcher().segmentCount());
        }
        this.shapes = new Shape[longest + 1];
        for (int count = 0; count <= longest; count++) {
            List<Entry> ofCount = new ArrayList<>();
            for (Entry entry : entries) {
                if (entry.matcher().segmentCount() == count) {
                    ofCount.add(entry);
                }
            }
            shapes[count] = new Shape(ofCount);
        }
    }

    @Override
    public PathMatchers.MatchResult match(UriPath path) {
        String raw = path.rawPath();
        int[] bounds = RequestState.segmentBoundsOf(raw);
        Entry[] candidates = candidates(raw, bounds);
        if (candidates.length == 0) {
            return PathMatchers.MatchResult.notAccepted();
        }
        return new PathMatchers.MatchResult(true, new MatchedPath(path, raw, bounds, candidates));
    }

    /** @return the routes whose shape fits the path, in order; the method and the template are checked later */
    Entry[] candidates(String raw, int[] bounds) {
        int count = bounds.length / 2;
        return count < shapes.length ? shapes[count].candidates(raw, bounds) : NONE;
    }

    /**
     * Runs the first route that takes the request, with the routes {@link #match} found for its path.
     *
     * @param request the request, whose path is a {@link MatchedPath}
     * @param response its response
     * @throws NotFoundException when none of them takes its method and path (404 or 405 by the error handler)
     * @throws Exception what the route throws
     */
    void dispatch(ServerRequest request, ServerResponse response) throws Exception {
        MatchedPath path = (MatchedPath) request.path();
        Method method = request.prologue().method();
        Choice choice = choose(path.candidates, method, path.raw, path.bounds);
        if (choice == null) {
            throw new NotFoundException("no route takes " + method.text() + " on this path");
        }
        path.chosen(choice.params());
        RequestState state = RequestState.current();
        if (state != null) {
            state.route(choice.entry().timers());
        }
        choice.entry().handler().handle(request, response);
    }

    /**
     * A route chosen for a request, with its decoded parameters.
     *
     * @param entry the route
     * @param params its parameters by name
     */
    record Choice(Entry entry, Map<String, String> params) {
    }

    /**
     * @param candidates the routes {@link #candidates} found for the path
     * @param method the request's method
     * @param raw the raw path
     * @param bounds its segments' bounds
     * @return the first of them whose method and template take the request; {@code null} if none does
     */
    static @Nullable Choice choose(Entry[] candidates, Method method, String raw, int[] bounds) {
        for (Entry entry : candidates) {
            if (entry.takes(method)) {
                Map<String, String> params = entry.matcher().paramsOf(raw, bounds);
                if (params != null) {
                    return new Choice(entry, params);
                }
            }
        }
        return null;
    }

    @Override
    public PathMatchers.PrefixMatchResult prefixMatch(UriPath path) {
        return PathMatchers.PrefixMatchResult.notAccepted(); // weft's routes are never nested
    }

    @Override
    public Optional<String> matchingElement() {
        return Optional.empty(); // the template is the route's, in RequestState, known only once one runs
    }

    @Override
    public String toString() {
        return "weft's route table";
    }

    /** The routes of one number of segments, by their first segment. */
    private static final class Shape {
        /** Every route of this length: for a first segment with percent-encoding, which may spell any literal. */
        private final Entry[] all;
        /** The literal first segments of these routes. */
        private final String[] firsts;
        /** Per literal in {@link #firsts}: the routes starting with it or with a parameter, in order. */
        private final Entry[][] byFirst;
        /** The routes starting with a parameter: for a first segment no route spells. */
        private final Entry[] anyFirst;

        Shape(List<Entry> entries) {
            this.all = entries.toArray(NONE);
            Map<String, List<Entry>> byLiteral = new LinkedHashMap<>();
            List<Entry> parameterFirst = new ArrayList<>();
            for (Entry entry : entries) {
                String first = entry.matcher().firstLiteral();
                if (first == null) {
                    parameterFirst.add(entry);
                } else {
                    byLiteral.putIfAbsent(first, new ArrayList<>());
                }
            }
            this.firsts = byLiteral.keySet().toArray(String[]::new);
            this.byFirst = new Entry[firsts.length][];
            for (int i = 0; i < firsts.length; i++) {
                List<Entry> list = new ArrayList<>();
                for (Entry entry : entries) {
                    String first = entry.matcher().firstLiteral();
                    if (first == null || first.equals(firsts[i])) {
                        list.add(entry); // the given order kept: a literal route before a parameter one
                    }
                }
                byFirst[i] = list.toArray(NONE);
            }
            this.anyFirst = parameterFirst.toArray(NONE);
        }

        Entry[] candidates(String raw, int[] bounds) {
            if (bounds.length == 0) {
                return all;
            }
            int start = bounds[0];
            int length = bounds[1] - start;
            for (int i = 0; i < firsts.length; i++) {
                String first = firsts[i];
                if (first.length() == length && raw.regionMatches(start, first, 0, length)) {
                    return byFirst[i];
                }
            }
            int percent = raw.indexOf('%', start);
            return percent >= 0 && percent < bounds[1] ? all : anyFirst;
        }
    }

    /**
     * A path the table accepted: the routes that may take it, then, once {@link #dispatch} chose one, that route's
     * decoded parameters.
     */
    static final class MatchedPath extends DecodedPath {
        private final String raw;
        private final int[] bounds;
        private final Entry[] candidates;
        private Map<String, String> params = Map.of();

        private MatchedPath(UriPath path, String raw, int[] bounds, Entry[] candidates) {
            super(path);
            this.raw = raw;
            this.bounds = bounds;
            this.candidates = candidates;
        }

        private void chosen(Map<String, String> chosen) {
            this.params = chosen;
            paramsChanged();
        }

        /** @return the chosen route's parameters by name, decoded; empty before one is chosen */
        @Override
        Map<String, String> params() {
            return params;
        }

        @Override
        public RoutedPath absolute() {
            MatchedPath absolute = new MatchedPath(uriPath().absolute(), raw, bounds, candidates);
            absolute.params = params;
            return absolute;
        }
    }
}
