package dev.weft.service.provider;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A provider job's state as {@code GET /process/{job_id}} reports it.
 *
 * <p>Immutable and thread-safe.
 *
 * @param state where the job is
 * @param resultUrl the result, set once {@link State#COMPLETED}
 * @param error why the job failed, set once {@link State#FAILED}
 * @param usage the job's cost, set once {@link State#COMPLETED}
 */
public record ProviderStatus(State state, @Nullable String resultUrl, @Nullable String error,
        @Nullable ModelUsage usage) {

    /** A provider job's state. */
    public enum State {
        /** Accepted, not started. */
        PENDING,
        /** Running. */
        PROCESSING,
        /** Done: {@link #resultUrl()} and {@link #usage()} are set. */
        COMPLETED,
        /** The provider gave up on the job: {@link #error()} says why. */
        FAILED;

        /** @return the wire name, lowercase */
        public String wireName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        /**
         * @param text a wire name ({@code pending, queued, processing, running, completed, succeeded, failed, error})
         * @return the state
         * @throws IllegalArgumentException for anything else
         */
        public static State parse(String text) {
            return switch (text.toLowerCase(java.util.Locale.ROOT)) {
                case "pending", "queued", "accepted" -> PENDING;
                case "processing", "running", "in_progress" -> PROCESSING;
                case "completed", "succeeded", "done" -> COMPLETED;
                case "failed", "error", "cancelled" -> FAILED;
                default -> throw new IllegalArgumentException("unknown provider job status: "
                        + text.substring(0, Math.min(40, text.length())));
            };
        }
    }

    /** Checks that a completed status carries its result and a failed one its reason. */
    public ProviderStatus {
        Objects.requireNonNull(state, "state");
        if (state == State.COMPLETED && resultUrl == null) {
            throw new IllegalArgumentException("a completed job needs a result_url");
        }
    }

    /** @param state a state that is not final @return a status without result */
    public static ProviderStatus running(State state) {
        if (state == State.COMPLETED || state == State.FAILED) {
            throw new IllegalArgumentException("not a running state: " + state);
        }
        return new ProviderStatus(state, null, null, null);
    }

    /** @param resultUrl the result @param usage the cost @return a completed status */
    public static ProviderStatus completed(String resultUrl, @Nullable ModelUsage usage) {
        return new ProviderStatus(State.COMPLETED, resultUrl, null, usage);
    }

    /** @param error why @return a failed status */
    public static ProviderStatus failed(String error) {
        return new ProviderStatus(State.FAILED, null, error, null);
    }

    /** @return whether the job will not change any more */
    public boolean isFinal() {
        return state == State.COMPLETED || state == State.FAILED;
    }
}
