package dev.weft.http;

import dev.weft.cache.TypeRef;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The async view of an {@link ApiClient}: the same calls, each run on its own virtual thread, completing the future
 * with the result or the same {@link ApiException} the blocking call would throw. Thread-safe.
 * {@snippet :
 * CompletableFuture<User> user = api.async().send(api.get("/users/{id}").pathParam("id", 7), User.class);
 * }
 */
public interface AsyncApiClient {
    /** @param request the request @return the response */
    CompletableFuture<ApiResponse> send(ApiRequest request);

    /** @param request the request @param type the body type @param <T> the type @return the body */
    <T> CompletableFuture<T> send(ApiRequest request, Class<T> type);

    /** @param request the request @param type the body type @param <T> the type @return the body */
    <T> CompletableFuture<T> send(ApiRequest request, TypeRef<T> type);

    /** @param request the request @param target the file @return what was written */
    CompletableFuture<DownloadResult> download(ApiRequest request, Path target);

    /** @param requests the requests @param maxConcurrent the concurrency @return results in request order */
    CompletableFuture<List<BatchResult<ApiResponse>>> batch(List<ApiRequest> requests, int maxConcurrent);
}
