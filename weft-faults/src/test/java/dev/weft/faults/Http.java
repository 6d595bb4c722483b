package dev.weft.faults;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A small HTTP client for scenarios: every call has a timeout, and an answer carries its status, body, headers and
 * how long it took. A call that got no answer (timeout, reset) is an {@link IOException}, which a history records
 * as an unknown outcome.
 */
final class Http {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient client;
    private final Duration timeout;

    /** @param timeout the bound on each call */
    Http(Duration timeout) {
        this.timeout = timeout;
        this.client = HttpClient.newBuilder().connectTimeout(timeout).version(HttpClient.Version.HTTP_1_1).build();
    }

    /** An answer. */
    record Answer(int status, String body, Map<String, java.util.List<String>> headers, long nanos) {
        /** @return the body as JSON */
        JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new UncheckedIOException("not JSON (" + status + "): " + body, e);
            }
        }

        /** @param name a header @return its first value */
        Optional<String> header(String name) {
            return headers.entrySet().stream().filter(entry -> entry.getKey().equalsIgnoreCase(name))
                    .flatMap(entry -> entry.getValue().stream()).findFirst();
        }

        /** @return milliseconds from sending to the whole answer */
        double millis() {
            return nanos / 1e6;
        }
    }

    /** One call, e.g. {@code () -> http.get(url, headers)}. */
    interface Call {
        Answer send() throws IOException, InterruptedException;
    }

    /**
     * @param call the call
     * @return its answer, or {@code null} if none came (timeout, reset): an unknown outcome for a history
     * @throws InterruptedException if interrupted while waiting
     */
    static @Nullable Answer orNull(Call call) throws InterruptedException {
        try {
            return call.send();
        } catch (IOException e) {
            return null;
        }
    }

    Answer get(String url, Map<String, String> headers) throws IOException, InterruptedException {
        return send(builder(url, headers).GET());
    }

    Answer delete(String url, Map<String, String> headers) throws IOException, InterruptedException {
        return send(builder(url, headers).DELETE());
    }

    Answer post(String url, Map<String, String> headers, Object json) throws IOException, InterruptedException {
        return send(builder(url, headers).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(json))));
    }

    Answer patch(String url, Map<String, String> headers, Object json) throws IOException, InterruptedException {
        return send(builder(url, headers).header("Content-Type", "application/json")
                .method("PATCH", HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(json))));
    }

    Answer send(HttpRequest.Builder request) throws IOException, InterruptedException {
        long start = System.nanoTime();
        HttpResponse<String> response = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
        return new Answer(response.statusCode(), response.body(), response.headers().map(), System.nanoTime() - start);
    }

    HttpRequest.Builder builder(String url, Map<String, String> headers) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(url)).timeout(timeout);
        headers.forEach(builder::header);
        return builder;
    }

    /** @return the admin key header */
    static Map<String, String> admin() {
        return Map.of("X-API-Key", ServiceProcess.ADMIN_KEY);
    }

    /** @param key a user's key @return its header */
    static Map<String, String> user(String key) {
        return Map.of("X-API-Key", key);
    }
}
