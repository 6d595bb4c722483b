package dev.weft.service.provider;

import dev.weft.http.ApiClient;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The external video API the job workers drive (DESIGN §5): upload a file, start processing it, poll the job.
 * Every call that changes something carries an idempotency key, so a worker that repeats a step after a crash or
 * a lost answer gets the first call's result instead of a second upload or a second job.
 *
 * <p>Implementations are thread-safe. Calls block (meant for virtual threads) and fail with a
 * {@link dev.weft.core.WeftException} whose {@code retryable()} says whether trying again may help.
 */
public interface VideoProvider extends AutoCloseable {

    /** @return the provider's name, for logs, metrics and health ({@code local} or {@code http}) */
    String name();

    /**
     * Uploads a video file.
     *
     * @param file the file, read from disk as it is sent
     * @param idempotencyKey the same key for every attempt of this upload
     * @return the URL the provider stores the video under
     */
    String upload(Path file, String idempotencyKey);

    /**
     * Starts processing an uploaded video.
     *
     * @param url the URL {@link #upload} returned
     * @param optionsJson the processing options, a JSON object text
     * @param idempotencyKey the same key for every attempt of this start
     * @return the provider's job id
     */
    String startProcessing(String url, String optionsJson, String idempotencyKey);

    /**
     * Reads a job's state.
     *
     * @param jobId the provider's job id
     * @return its status
     */
    ProviderStatus status(String jobId);

    /**
     * A cheap check that the provider answers, for {@code GET /health}.
     *
     * @return whether it is reachable, with what was seen
     */
    ProviderHealth health();

    /** @return the weft-http client behind this provider; empty for the in-process one */
    default Optional<ApiClient> apiClient() {
        return Optional.empty();
    }

    /** Releases connections. Idempotent. */
    @Override
    void close();
}
