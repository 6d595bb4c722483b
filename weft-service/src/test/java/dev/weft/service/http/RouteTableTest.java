package dev.weft.service.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.helidon.common.uri.UriPath;
import io.helidon.http.Method;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * The route table picks, for a method and a raw path, the route Helidon took when it tried every route in order (more
 * literal segments first): looked up by length and first segment, the given order kept within.
 */
class RouteTableTest {
    private static final RequestMetricsFilter METRICS = new RequestMetricsFilter(new SimpleMeterRegistry());

    /** The routes in the order the edge gives them: more literals first, registration order among equals. */
    private final RouteTable table = table(
            "GET /users/stream",
            "GET /users/{id}/videos",
            "GET /health/live",
            "GET /users/{id}",
            "DELETE /users/{id}",
            "GET /{tenant}/live",
            "GET /users",
            "POST /users",
            "GET /",
            "OPTIONS /users/{id}");

    private static RouteTable table(String... routes) {
        List<RouteTable.Entry> entries = new ArrayList<>();
        for (String route : routes) {
            String[] parts = route.split(" ");
            Method method = Method.create(parts[0]);
            Method[] methods = method.equals(Method.GET) ? new Method[] {Method.GET, Method.HEAD}
                    : new Method[] {method};
            entries.add(new RouteTable.Entry(methods, new TemplateMatcher(parts[1]), (request, response) -> { },
                    METRICS.routeTimers(parts[1], methods)));
        }
        return new RouteTable(entries);
    }

    /** @return "METHOD template params" of the chosen route, or null when none takes the request */
    private @Nullable String chosen(String method, String rawPath) {
        int[] bounds = TemplateMatcher.segmentBounds(rawPath);
        RouteTable.Choice choice = RouteTable.choose(table.candidates(rawPath, bounds), Method.create(method), rawPath,
                bounds);
        if (choice == null) {
            return null;
        }
        RouteTable.Entry entry = choice.entry();
        return entry.methods()[0].text() + " " + entry.timers().template()
                + (choice.params().isEmpty() ? "" : " " + choice.params());
    }

    @Test
    void aLiteralSegmentBeatsAParameter() {
        assertThat(chosen("GET", "/users/stream")).isEqualTo("GET /users/stream");
        assertThat(chosen("GET", "/users/42")).isEqualTo("GET /users/{id} {id=42}");
    }

    @Test
    void aMethodTheLiteralRouteLacksFallsToTheParameterRoute() {
        assertThat(chosen("DELETE", "/users/stream")).isEqualTo("DELETE /users/{id} {id=stream}");
    }

    @Test
    void headTakesTheGetRoute() {
        assertThat(chosen("HEAD", "/users/7/videos")).isEqualTo("GET /users/{id}/videos {id=7}");
    }

    @Test
    void aRouteStartingWithAParameterIsFoundForAnyFirstSegment() {
        assertThat(chosen("GET", "/health/live")).isEqualTo("GET /health/live");
        assertThat(chosen("GET", "/eu/live")).isEqualTo("GET /{tenant}/live {tenant=eu}");
        assertThat(chosen("GET", "/users/live")).isEqualTo("GET /users/{id} {id=live}");
    }

    @Test
    void aPercentEncodedFirstSegmentStillSpellsItsLiteral() {
        assertThat(chosen("GET", "/%75sers/42")).isEqualTo("GET /users/{id} {id=42}");
        assertThat(chosen("POST", "/u%73ers")).isEqualTo("POST /users");
    }

    @Test
    void emptySegmentsAreIgnoredAndTheRootHasNone() {
        assertThat(chosen("GET", "//users//42/")).isEqualTo("GET /users/{id} {id=42}");
        assertThat(chosen("GET", "/")).isEqualTo("GET /");
        assertThat(chosen("GET", "")).isEqualTo("GET /");
    }

    @Test
    void aPathNoShapeFitsIsNotAcceptedAndAWrongMethodIsNoChoice() {
        assertThat(table.match(UriPath.create("/users/1/videos/2/parts")).accepted()).isFalse();
        assertThat(table.match(UriPath.create("/nothing/here/at/all")).accepted()).isFalse();
        assertThat(table.match(UriPath.create("/users/1")).accepted()).isTrue();
        assertThat(chosen("PUT", "/users/1")).isNull();
        assertThat(chosen("OPTIONS", "/users/1")).isEqualTo("OPTIONS /users/{id} {id=1}");
    }

    @Test
    void theTableChoosesWhatTryingEveryRouteInOrderChose() {
        List<String> routes = List.of("GET /users/stream", "GET /users/{id}/videos", "GET /health/live",
                "GET /users/{id}", "DELETE /users/{id}", "GET /{tenant}/live", "GET /users", "POST /users", "GET /",
                "OPTIONS /users/{id}");
        for (String method : List.of("GET", "HEAD", "POST", "DELETE", "OPTIONS", "PATCH")) {
            for (String path : List.of("/", "/users", "/users/stream", "/users/9", "/users/9/videos", "/health/live",
                    "/x/live", "/users/live", "/%68ealth/live", "/a/b/c/d", "/health")) {
                String expected = null;
                for (String route : routes) {
                    String[] parts = route.split(" ");
                    boolean methodTaken = parts[0].equals(method) || parts[0].equals("GET") && method.equals("HEAD");
                    Map<String, String> params = new TemplateMatcher(parts[1]).paramsOf(path,
                            TemplateMatcher.segmentBounds(path));
                    if (methodTaken && params != null) {
                        expected = parts[0] + " " + parts[1] + (params.isEmpty() ? "" : " " + params);
                        break;
                    }
                }
                assertThat(chosen(method, path)).as(method + " " + path).isEqualTo(expected);
            }
        }
    }
}
