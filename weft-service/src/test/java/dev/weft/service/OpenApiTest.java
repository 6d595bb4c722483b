package dev.weft.service;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.weft.service.ops.DocsModule;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The OpenAPI description is served, matches the routes a server with the video jobs has (as {@code weft serve}
 * runs), and every operation answers as described.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OpenApiTest {
    private TestService service;
    private JsonNode spec;

    @BeforeAll
    void start() throws Exception {
        service = new TestService(TestBackends.SQLITE);
        spec = new ObjectMapper().readTree(DocsModule.load());
    }

    @AfterAll
    void stop() {
        service.close();
    }

    private Set<String> specOperations() {
        Set<String> operations = new TreeSet<>();
        spec.path("paths").properties().forEach(path -> path.getValue().properties().forEach(
                operation -> operations.add(operation.getKey().toUpperCase(Locale.ROOT) + " " + path.getKey())));
        return operations;
    }

    @Test
    void isServedPubliclyAsOpenApi31() {
        TestService.Response response = service.get("/openapi.json", null);
        TestService.Response docs = service.get("/docs", null);

        assertThat(response.status()).isEqualTo(200);
        assertThat(response.json().path("openapi").asText()).isEqualTo("3.1.0");
        assertThat(docs.status()).isEqualTo(200);
        assertThat(docs.header("Content-Type")).startsWith("text/html");
        assertThat(docs.text()).contains("/transfer").contains("/openapi.json");
        assertThat(response.header("X-Content-Type-Options")).isEqualTo("nosniff");
        assertThat(docs.header("X-Content-Type-Options")).isEqualTo("nosniff");
        // "Try it out" takes a key: no other site may frame the page (clickjacking)
        assertThat(docs.header("X-Frame-Options")).isEqualTo("DENY");
        assertThat(docs.header("Content-Security-Policy")).isEqualTo("frame-ancestors 'none'");
    }

    @Test
    void describesExactlyTheRoutesTheServerHas() {
        Set<String> routes = new TreeSet<>();
        for (Routes.Route route : service.service.routes()) {
            routes.add(route.method().text() + " " + route.template());
        }

        assertThat(specOperations()).isEqualTo(routes);
    }

    @Test
    void marksAsEventStreamsExactlyTheRoutesItDescribesAsThem() {
        Set<String> described = new TreeSet<>();
        spec.path("paths").properties().forEach(path -> path.getValue().properties().forEach(operation -> {
            if (operation.getValue().path("responses").path("200").path("content").has("text/event-stream")) {
                described.add(operation.getKey().toUpperCase(Locale.ROOT) + " " + path.getKey());
            }
        }));
        Set<String> marked = new TreeSet<>();
        for (Routes.Route route : service.service.routes()) {
            if (route.eventStream()) {
                marked.add(route.method().text() + " " + route.template());
            }
        }

        assertThat(marked).isNotEmpty().isEqualTo(described);
    }

    @Test
    void namesItsServerRelativeToWhereItWasFetched() {
        JsonNode servers = service.get("/openapi.json", null).json().path("servers");

        // relative, so it is right behind any proxy and never built from a client's Host header
        assertThat(servers).hasSize(1);
        assertThat(servers.get(0).path("url").asText()).isEqualTo("/");
    }

    @Test
    void namesEveryOperationUniquelyByWhatItDoes() {
        Map<String, String> ids = new TreeMap<>();
        spec.path("paths").properties().forEach(path -> path.getValue().properties().forEach(operation -> ids.put(
                operation.getKey().toUpperCase(Locale.ROOT) + " " + path.getKey(),
                operation.getValue().path("operationId").asText(""))));

        assertThat(ids.values()).doesNotHaveDuplicates()
                .allMatch(id -> id.matches("(get|list|stream|create|update|put|delete|rotate|transfer|process|cancel"
                        + "|reset|test|retry)[A-Z][A-Za-z]*"), "a verb, then what it acts on, in camelCase");
        assertThat(ids).containsAllEntriesOf(Map.of(
                "GET /users/{id}", "getUser",
                "GET /users", "listUsers",
                "POST /users", "createUser",
                "PATCH /users/{id}", "updateUser",
                "GET /videos", "listVideos",
                "GET /videos/{video_id}", "getVideo",
                "POST /process-video", "processVideo",
                "POST /transfer", "transferCredits",
                "GET /health/ready", "getReadiness",
                "GET /openapi.json", "getOpenApi"));
    }

    @Test
    void everyReferenceItMakesIsDefined() {
        List<String> missing = new ArrayList<>();
        String text = spec.toString();
        int at = 0;
        while ((at = text.indexOf("\"#/components/", at)) >= 0) {
            int end = text.indexOf('"', at + 1);
            String[] parts = text.substring(at + "\"#/components/".length(), end).split("/");
            if (parts.length != 2 || !spec.path("components").path(parts[0]).has(parts[1])) {
                missing.add(text.substring(at + 1, end));
            }
            at = end;
        }

        assertThat(missing).isEmpty();
    }

    @Test
    void everyOperationAnswersWithADescribedStatus() {
        long userId = service.createUser(TestService.unique("oa"), 100).path("id").asLong();
        long otherId = service.createUser(TestService.unique("ob"), 0).path("id").asLong();
        Map<String, String> bodies = Map.of(
                "POST /users", TestService.json(Map.of("email", TestService.unique("c") + "@example.com",
                        "username", TestService.unique("c"))),
                "POST /users/batch", TestService.json(Map.of("users", List.of(Map.of("email",
                        TestService.unique("d") + "@example.com", "username", TestService.unique("d"))))),
                "PATCH /users/{id}", "{\"full_name\":\"x\"}",
                "POST /transfer", EndpointContract.transfer(userId, otherId, 1),
                "PUT /cache/{key}", "{\"value\":1}",
                "POST /api/reset-circuit-breaker", "{}");
        List<String> failures = new ArrayList<>();
        List<String> deletes = new ArrayList<>();
        for (String operation : specOperations()) {
            if (operation.startsWith("DELETE ")) {
                deletes.add(operation); // last, so the user exists for the others
                continue;
            }
            check(operation, userId, bodies, failures);
        }
        for (String operation : deletes) {
            check(operation, userId, bodies, failures);
        }

        assertThat(failures).isEmpty();
    }

    private void check(String operation, long userId, Map<String, String> bodies, List<String> failures) {
        String method = operation.substring(0, operation.indexOf(' '));
        String template = operation.substring(operation.indexOf(' ') + 1);
        String path = template.replace("{id}", Long.toString(userId)).replace("{key}", "openapi-key")
                .replace("{video_id}", "vid_none").replace("{name}", "dashboard.js")
                .replace("{webhook_id}", "wh_none").replace("{delivery_id}", "dlv_none");
        if (template.equals("/events")) {
            path += "?last_event_id=none"; // a live stream never ends: a bad resume point answers 400 at once
        }
        if (template.equals("/admin/dashboard/stream")) {
            path += "?since=never"; // the same for the dashboard's stream
        }
        TestService.Response response = operation.equals("POST /process-video")
                ? service.upload(TestService.ADMIN_KEY, new TestService.Form().file("video", "a.mp4", new byte[] {1}))
                : service.admin(method, path, bodies.get(operation));
        JsonNode described = spec.path("paths").path(template).path(method.toLowerCase(Locale.ROOT)).path("responses");
        boolean routed = response.status() != 405 && !(response.status() == 404
                && response.text().contains("route_not_found"));
        if (!routed || !described.has(Integer.toString(response.status())) || response.status() >= 500) {
            failures.add(operation + " answered " + response.status() + ": "
                    + response.text().substring(0, Math.min(200, response.text().length())));
        }
    }
}
