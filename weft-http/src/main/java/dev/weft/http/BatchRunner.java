package dev.weft.http;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.function.Function;

/**
 * Sends a batch of requests on virtual threads, at most {@code maxConcurrent} at a time, and collects one result
 * per request in request order; one failing request never fails the others. Thread-safe.
 */
final class BatchRunner {
    private final String client;
    private final String baseAuthority;
    private final ExecutorService executor;

    BatchRunner(ApiConfig config, ExecutorService executor) {
        this.client = config.name();
        this.baseAuthority = config.baseAuthority();
        this.executor = executor;
    }

    /**
     * Runs the batch; blocks until every request has finished.
     *
     * @throws IllegalArgumentException if {@code maxConcurrent} is below 1
     * @throws ApiConnectException if interrupted while waiting (the flag is restored, the rest cancelled)
     */
    <T> List<BatchResult<T>> run(List<ApiRequest> requests, int maxConcurrent, Function<ApiRequest, T> sender) {
        if (maxConcurrent < 1) {
            throw new IllegalArgumentException("maxConcurrent must be >= 1: " + maxConcurrent);
        }
        List<ApiRequest> copy = List.copyOf(requests);
        Semaphore permits = new Semaphore(maxConcurrent, true);
        List<Future<BatchResult<T>>> futures = new ArrayList<>(copy.size());
        for (int i = 0; i < copy.size(); i++) {
            int index = i;
            ApiRequest request = copy.get(i);
            futures.add(executor.submit(() -> {
                try {
                    permits.acquire();
                } catch (InterruptedException e) {
                    // The batch was given up (its caller interrupted, the client closed) before this item's turn:
                    // an ApiException like every other item's failure, not an ExecutionException.
                    Thread.currentThread().interrupt();
                    return new BatchResult<T>(index, null,
                            TransportFailures.interrupted(client, baseAuthority, "waiting for a batch slot"));
                }
                try {
                    return new BatchResult<>(index, sender.apply(request), null);
                } catch (RuntimeException e) {
                    return new BatchResult<T>(index, null, e);
                } finally {
                    permits.release();
                }
            }));
        }
        List<BatchResult<T>> results = new ArrayList<>(copy.size());
        for (int i = 0; i < futures.size(); i++) {
            try {
                results.add(futures.get(i).get());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                futures.forEach(future -> future.cancel(true));
                throw new ApiConnectException(client, baseAuthority, "interrupted",
                        "interrupted while waiting for a batch", e);
            } catch (ExecutionException e) {
                results.add(new BatchResult<>(i, null, new IllegalStateException("batch item failed", e.getCause())));
            }
        }
        return results;
    }
}
