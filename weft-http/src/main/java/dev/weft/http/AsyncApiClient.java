package dev.weft.http;

import dev.weft.cache.TypeRef;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The async view of an {@link ApiClient}: the same calls, each run on its own virtual thread, completing the future
 * with the result or the same {@link ApiException} the blocking call would throw. Completing a future before its
 * call ends ({@code cancel(true)}, {@code orTimeout}) interrupts the call, which then releases its connection; a
 * future's dependents ({@code thenApply}) do not pass their own cancellation back. Thread-safe.
 * {@snippet :
 * CompletableFuture<User> user = api.async().send(api.get("/users/{id}").pathParam("id", 7), User.class);
 * }
 */
public interface AsyncApiClient {
    /**
     * Sends a request; see {@link ApiRequest#send()}.
     *
     * @param request the request
     * @return the response, or the call's failure
     */
    CompletableFuture<ApiResponse> send(ApiRequest request);

    /**
     * Sends a request and maps its JSON body; see {@link ApiRequest#send(Class)}.
     *
     * @param request the request
     * @param type the body type
     * @param <T> the body type
     * @return the body, or the call's failure
     */
    <T> CompletableFuture<T> send(ApiRequest request, Class<T> type);

    /**
     * Sends a request and maps its JSON body to a generic type; see {@link ApiRequest#send(TypeRef)}.
     *
     * @param request the request
     * @param type the body type
     * @param <T> the body type
     * @return the body, or the call's failure
     */
    <T> CompletableFuture<T> send(ApiRequest request, TypeRef<T> type);

    /**
     * Downloads a response body into a file; see {@link ApiRequest#download(Path)}.
     *
     * @param request the request
     * @param target the file to create or replace
     * @return what was written, or the call's failure
     */
    CompletableFuture<DownloadResult> download(ApiRequest request, Path target);

    /**
     * Sends requests concurrently; see {@link ApiClient#batch(List, int)}.
     *
     * @param requests the requests
     * @param maxConcurrent the concurrency, at least 1
     * @return one result per request, in request order
     */
    CompletableFuture<List<BatchResult<ApiResponse>>> batch(List<ApiRequest> requests, int maxConcurrent);
}
