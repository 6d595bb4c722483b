package dev.weft.http;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A client for one external HTTP API (the guides' {@code AsyncExternalAPIManager} + {@code APIOperations}): pooled
 * connections (Apache HttpClient 5), retry with backoff and a per-host retry budget, a circuit breaker, rate limit
 * and bulkhead per host, an optional response cache, batches, streaming, upload, download and metrics.
 *
 * <p>Calls block the calling thread (meant for virtual threads) until they finish or their deadline passes;
 * {@link #async()} runs the same calls on virtual threads. Thread-safe; one instance per API, closed at shutdown.
 * {@snippet :
 * try (ApiClient api = ApiClient.create(ApiConfig.builder("https://api.example.com").name("example").build())) {
 *     User user = api.get("/users/{id}").pathParam("id", 7).send(User.class);
 *     api.post("/users").json(newUser).idempotent().send();
 * }
 * }
 */
public interface ApiClient extends AutoCloseable {

    /**
     * A client with the config's settings, no metrics registry and an in-process response cache (used only if
     * the config enables caching).
     *
     * @param config the settings
     * @return the client
     */
    static ApiClient create(ApiConfig config) {
        return builder(config).build();
    }

    /**
     * A builder for a client with a metrics registry, a shared response cache or a shared rate limit.
     *
     * @param config the settings
     * @return the builder
     */
    static ApiClientBuilder builder(ApiConfig config) {
        return new ApiClientBuilder(config);
    }

    /**
     * Returns the client's name.
     *
     * @return the client's name
     */
    String name();

    /**
     * Returns the client's settings.
     *
     * @return the client's settings
     */
    ApiConfig config();

    /**
     * Starts a request.
     *
     * @param method the method
     * @param path a path template relative to the base URL, or an absolute URL to an allowed host
     * @return the request to complete and send
     */
    ApiRequest request(HttpMethod method, String path);

    /**
     * Path template or allowed absolute URL.
     *
     * @param path path template or allowed absolute URL
     * @return a GET request
     */
    default ApiRequest get(String path) {
        return request(HttpMethod.GET, path);
    }

    /**
     * Path template or allowed absolute URL.
     *
     * @param path path template or allowed absolute URL
     * @return a POST request
     */
    default ApiRequest post(String path) {
        return request(HttpMethod.POST, path);
    }

    /**
     * Path template or allowed absolute URL.
     *
     * @param path path template or allowed absolute URL
     * @return a PUT request
     */
    default ApiRequest put(String path) {
        return request(HttpMethod.PUT, path);
    }

    /**
     * Path template or allowed absolute URL.
     *
     * @param path path template or allowed absolute URL
     * @return a PATCH request
     */
    default ApiRequest patch(String path) {
        return request(HttpMethod.PATCH, path);
    }

    /**
     * Path template or allowed absolute URL.
     *
     * @param path path template or allowed absolute URL
     * @return a DELETE request
     */
    default ApiRequest delete(String path) {
        return request(HttpMethod.DELETE, path);
    }

    /**
     * Sends requests concurrently on virtual threads, at most {@code maxConcurrent} at a time (the per-host bulkhead
     * still applies). Blocks until all have finished. One slow or failing request never fails the others.
     *
     * @param requests the requests
     * @param maxConcurrent the concurrency, at least 1
     * @return one result per request, in request order
     */
    List<BatchResult<ApiResponse>> batch(List<ApiRequest> requests, int maxConcurrent);

    /**
     * As {@link #batch(List, int)}, mapping each JSON body.
     *
     * @param requests the requests
     * @param maxConcurrent the concurrency, at least 1
     * @param type the body type
     * @param <T> the body type
     * @return one result per request, in request order
     */
    <T> List<BatchResult<T>> batch(List<ApiRequest> requests, int maxConcurrent, Class<T> type);

    /**
     * Uploads a file as {@code multipart/form-data} with extra text fields, streaming it from disk (the guides'
     * {@code upload_file}). Not retried unless the server provably never saw it.
     *
     * @param path the path template
     * @param field the file's form field name
     * @param file the file
     * @param contentType the file's media type
     * @param fields extra text fields
     * @return the response
     * @throws dev.weft.core.InvalidInputException if the file does not exist, is not a regular file or cannot be read
     * @throws ApiException as {@link ApiRequest#send()}
     */
    default ApiResponse upload(String path, String field, Path file, String contentType, Map<String, String> fields) {
        Multipart.Builder form = Multipart.builder().file(field, file, contentType);
        fields.forEach(form::field);
        return post(path).multipart(form.build()).send();
    }

    /**
     * Downloads a GET response body into a file (the guides' {@code download_file}); see
     * {@link ApiRequest#download(Path)}.
     *
     * @param path the path template
     * @param target the file to create or replace
     * @return what was written
     * @throws ApiException as {@link ApiRequest#send()}
     */
    default DownloadResult download(String path, Path target) {
        return get(path).download(target);
    }

    /**
     * Returns the same client with {@link java.util.concurrent.CompletableFuture} results.
     *
     * @return the same client with {@link java.util.concurrent.CompletableFuture} results
     */
    AsyncApiClient async();

    /**
     * Returns a snapshot of the client's call metrics.
     *
     * @return a snapshot of the client's call metrics
     */
    ApiMetrics metrics();

    /**
     * Returns connection pool use per host seen so far, by {@code host:port}.
     *
     * @return connection pool use per host seen so far, by {@code host:port}
     */
    Map<String, HostPoolStatus> poolStatus();

    /**
     * Returns the circuit breaker of every host seen so far, by {@code host:port}.
     *
     * @return the circuit breaker of every host seen so far, by {@code host:port}
     */
    Map<String, BreakerStatus> breakers();

    /**
     * One host's circuit breaker.
     *
     * @param host {@code host:port}, or {@code host} for the scheme's default port
     * @return the breaker view
     */
    CircuitBreakerView circuitBreaker(String host);

    /** Closes every host's circuit breaker and clears its window. */
    void resetCircuitBreakers();

    /**
     * Closes the pool, the async executor and the Redis connection the client opened for a shared rate limit given
     * by URL (never a store it was given). Idempotent.
     */
    @Override
    void close();
}
