package dev.weft.http;

import dev.weft.cache.TypeRef;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

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

    /**
     * Runs a call on its own virtual thread. A future completed by anyone else first (a caller's
     * {@code cancel(true)}, {@code orTimeout}, {@code complete}) interrupts the call: nobody will read its answer, so
     * it should not keep its connection and bulkhead permit until its own deadline (which
     * {@code CompletableFuture.supplyAsync}'s futures did, as their {@code cancel} never reaches the task).
     */
    private <T> CompletableFuture<T> run(Supplier<T> call) {
        CompletableFuture<T> result = new CompletableFuture<>();
        AtomicBoolean answered = new AtomicBoolean();
        Future<?> task = executor.submit(() -> {
            try {
                T value = call.get();
                answered.set(true);
                result.complete(value);
            } catch (Throwable e) {
                answered.set(true);
                // wrapped as supplyAsync does, so exceptionally() and handle() see what they always saw
                result.completeExceptionally(e instanceof CompletionException ? e : new CompletionException(e));
            }
        });
        result.whenComplete((value, failure) -> {
            if (!answered.get()) {
                task.cancel(true);
            }
        });
        return result;
    }

    @Override
    public CompletableFuture<ApiResponse> send(ApiRequest request) {
        return run(request::send);
    }

    @Override
    public <T> CompletableFuture<T> send(ApiRequest request, Class<T> type) {
        return run(() -> request.send(type));
    }

    @Override
    public <T> CompletableFuture<T> send(ApiRequest request, TypeRef<T> type) {
        return run(() -> request.send(type));
    }

    @Override
    public CompletableFuture<DownloadResult> download(ApiRequest request, Path target) {
        return run(() -> request.download(target));
    }

    @Override
    public CompletableFuture<List<BatchResult<ApiResponse>>> batch(List<ApiRequest> requests, int maxConcurrent) {
        return run(() -> client.batch(requests, maxConcurrent));
    }
}
