package dev.weft.http;

import dev.weft.cache.TypeRef;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;

/**
 * {@link AsyncApiClient}: the client's blocking calls, each on a virtual thread of the client's executor, so no
 * platform thread (and never the common pool) blocks. Thread-safe.
 */
final class AsyncFacade implements AsyncApiClient {
    private final ApiClient client;
    private final ExecutorService executor;

    AsyncFacade(ApiClient client, ExecutorService executor) {
        this.client = client;
        this.executor = executor;
    }

    @Override
    public CompletableFuture<ApiResponse> send(ApiRequest request) {
        return CompletableFuture.supplyAsync(request::send, executor);
    }

    @Override
    public <T> CompletableFuture<T> send(ApiRequest request, Class<T> type) {
        return CompletableFuture.supplyAsync(() -> request.send(type), executor);
    }

    @Override
    public <T> CompletableFuture<T> send(ApiRequest request, TypeRef<T> type) {
        return CompletableFuture.supplyAsync(() -> request.send(type), executor);
    }

    @Override
    public CompletableFuture<DownloadResult> download(ApiRequest request, Path target) {
        return CompletableFuture.supplyAsync(() -> request.download(target), executor);
    }

    @Override
    public CompletableFuture<List<BatchResult<ApiResponse>>> batch(List<ApiRequest> requests, int maxConcurrent) {
        return CompletableFuture.supplyAsync(() -> client.batch(requests, maxConcurrent), executor);
    }
}
