package dev.weft.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.weft.core.Secret;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;

/** A service started in-process on port 0 over an isolated database, with an HTTP client that talks to it. */
final class TestService implements AutoCloseable {
    static final String ADMIN_KEY = "test-admin-key-0123456789abcdef";
    private static final ObjectMapper MAPPER = new ObjectMapper();

    final TestBackends.Isolated database;
    final WeftService service;

    /** An answer. */
    record Response(int status, java.net.http.HttpHeaders headers, String text) {
        JsonNode json() {
            try {
                return MAPPER.readTree(text);
            } catch (IOException e) {
                throw new UncheckedIOException("not JSON: " + text, e);
            }
        }

        @Nullable String header(String name) {
            return headers.firstValue(name).orElse(null);
        }
    }

    TestService(TestBackends backend) {
        this(backend, UnaryOperator.identity());
    }

    TestService(TestBackends backend, UnaryOperator<ServiceConfig> tweak) {
        this.database = backend.isolate();
        ServiceConfig config = tweak.apply(ServiceConfig.defaults().withPort(0).withDataDir(database.dataDir())
                .withDatabase(database.config()).withAdminKey(Secret.of(ADMIN_KEY)).withRateLimit(1_000_000));
        WeftService started;
        try {
            started = WeftService.builder(config).jvmMetrics(false).build().start();
        } catch (RuntimeException e) {
            database.close();
            throw e;
        }
        this.service = started;
    }

    String base() {
        return "http://127.0.0.1:" + service.port();
    }

    Response call(String method, String path, @Nullable String key, @Nullable String body, String... headers) {
        return TestServiceCalls.call(service.port(), method, path, key, body, headers);
    }

    Response get(String path, @Nullable String key) {
        return call("GET", path, key, null);
    }

    Response admin(String method, String path, @Nullable String body, String... headers) {
        return call(method, path, ADMIN_KEY, body, headers);
    }

    static String json(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Creates a user through the API and returns its JSON (with {@code api_key}). */
    JsonNode createUser(String name, long credits) {
        Response response = admin("POST", "/users", json(Map.of("email", name + "@example.com", "username", name,
                "credits", credits)));
        if (response.status() != 201) {
            throw new IllegalStateException("create user failed: " + response.status() + " " + response.text());
        }
        return response.json();
    }

    @Override
    public void close() {
        try {
            service.close();
        } finally {
            database.close();
        }
    }
}
