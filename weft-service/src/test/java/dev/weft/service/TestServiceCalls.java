package dev.weft.service;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/** HTTP calls to a service on a loopback port, as a client makes them. */
public final class TestServiceCalls {
    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private TestServiceCalls() {
    }

    /**
     * @param port the service's port
     * @param method the method
     * @param path the path and query
     * @param key the API key, or none
     * @param body a JSON body, or none
     * @param headers more headers, name then value
     * @return the answer
     */
    public static TestService.Response call(int port, String method, String path, @Nullable String key,
            @Nullable String body, String... headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        return send(headers(request, key, headers));
    }

    /**
     * @param request a request
     * @param key the API key to send, or none
     * @param headers more headers, name then value; they replace any of the same name
     * @return the request
     */
    public static HttpRequest.Builder headers(HttpRequest.Builder request, @Nullable String key, String... headers) {
        if (key != null) {
            request.header("X-API-Key", key);
        }
        for (int i = 0; i < headers.length; i += 2) {
            request.setHeader(headers[i], headers[i + 1]);
        }
        return request;
    }

    /** @param request a request (a 30 s timeout is set) @return the answer */
    public static TestService.Response send(HttpRequest.Builder request) {
        try {
            HttpResponse<String> response = CLIENT.send(request.timeout(Duration.ofSeconds(30)).build(),
                    HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            return new TestService.Response(response.statusCode(), response.headers(), response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
