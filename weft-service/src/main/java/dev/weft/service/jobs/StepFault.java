package dev.weft.service.jobs;

import dev.weft.core.ErrorKind;
import dev.weft.core.WeftException;
import dev.weft.http.ApiException;
import dev.weft.http.ApiTimeoutException;
import dev.weft.http.BulkheadFullException;
import dev.weft.http.CircuitOpenException;
import dev.weft.http.RateLimitedException;
import dev.weft.http.ResponseFormatException;
import dev.weft.http.RetryBudgetExhaustedException;
import dev.weft.http.UpstreamException;
import dev.weft.service.provider.ProviderException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What a failed job step means for the job, decided once from the exception:
 * <ul>
 *   <li>{@link Kind#FLOW_CONTROL}: the provider (or our own guard in front of it) asked us to wait: an open or
 *       half-open breaker, a 429 or a 503 with {@code Retry-After}, a full bulkhead, the adaptive limit; or the
 *       provider is down (connection refused or not made in time: no request reached it, so the job cannot be
 *       what is wrong). The job waits {@link #delay()} and does not spend an attempt; only its deadline bounds
 *       such waits.</li>
 *   <li>{@link Kind#RETRYABLE}: a real fault (5xx, reset, timeout, an unreadable answer): one attempt spent, the
 *       job retries after the exponential backoff.</li>
 *   <li>{@link Kind#PERMANENT}: retrying cannot help (a 4xx, an unknown job, a missing upload).</li>
 * </ul>
 * {@link #code()} and {@link #message()} are what the user sees on the video: a stable code and a short sentence
 * written here, never the exception's text (which names classes, hosts and ports; that goes to the log).
 *
 * @param kind what the job does next
 * @param code stable snake_case code
 * @param message short user-facing sentence, no internals
 * @param delay how long to wait for flow control, or {@code null} for the backoff
 */
record StepFault(Kind kind, String code, String message, @Nullable Duration delay) {
    /** Wait when a guard refused the call without saying for how long. */
    static final Duration DEFAULT_FLOW_WAIT = Duration.ofMillis(250);
    /**
     * Wait after the provider could not be reached at all (connection refused, no connection in time). Short, so
     * jobs notice its return within seconds; cheap, since nothing is sent; and once such calls are many, the
     * breaker opens and the jobs wait for its half-open probes instead.
     */
    static final Duration UNREACHABLE_WAIT = Duration.ofSeconds(1);

    /** What the job does after the fault. */
    enum Kind {
        /** Wait as told; no attempt spent. */
        FLOW_CONTROL,
        /** A real fault: one attempt spent, backoff. */
        RETRYABLE,
        /** Give up now. */
        PERMANENT
    }

    StepFault {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(code, "code");
        Objects.requireNonNull(message, "message");
    }

    /** @return the text stored on the job and the video: {@code code: message} */
    String userText() {
        return code + ": " + message;
    }

    static StepFault of(Throwable failure) {
        return switch (failure) {
            case CircuitOpenException open -> flow("provider_recovering",
                    "the video provider is recovering; the job resumes when it answers again", open);
            case RateLimitedException limited -> flow("provider_busy",
                    "the video provider asked us to slow down; the job continues shortly", limited);
            case BulkheadFullException full -> flow("provider_busy",
                    "the video provider is busy; the job continues shortly", full);
            case ProviderLimit.Busy busy -> flow("provider_busy",
                    "the video provider is busy; the job continues shortly", null);
            case RetryBudgetExhaustedException budget when budget.getCause() instanceof Throwable cause
                    && of(cause).kind() == Kind.FLOW_CONTROL -> of(cause);
            case RetryBudgetExhaustedException budget -> retry("provider_unavailable",
                    "the video provider is failing");
            case UpstreamException upstream when (upstream.status() == 503 || upstream.status() == 429)
                    && upstream.retryAfter().isPresent() -> flow("provider_busy",
                    "the video provider asked us to wait; the job continues shortly", upstream);
            case UpstreamException upstream when upstream.status() >= 500 || upstream.status() == 408 ->
                    retry("provider_error", "the video provider answered with an error");
            case UpstreamException upstream -> permanent("provider_rejected",
                    "the video provider refused the request");
            case ApiException api when api.code().equals("upstream_unreachable")
                    || api.code().equals("connect_timeout") -> new StepFault(Kind.FLOW_CONTROL,
                    "provider_unreachable", "the video provider cannot be reached; the job resumes when it can",
                    UNREACHABLE_WAIT);
            case ApiTimeoutException timeout -> retry("provider_timeout",
                    "the video provider did not answer in time");
            case ResponseFormatException format -> retry("provider_bad_answer",
                    "the video provider sent an answer that could not be read");
            case ProviderException provider when provider.kind() == ErrorKind.UPSTREAM -> retry("provider_bad_answer",
                    "the video provider sent an answer that could not be read");
            case ProviderException provider when provider.kind() == ErrorKind.NOT_FOUND -> permanent(
                    "provider_not_found", "the video provider no longer knows this job");
            case ProviderException provider -> provider.retryable()
                    ? retry("provider_unavailable", "the video provider could not be reached")
                    : permanent("provider_failed", "the video provider could not process the video");
            case ApiException api when api.kind() == ErrorKind.UNAVAILABLE -> retry("provider_unavailable",
                    "the video provider could not be reached");
            case ApiException api -> api.retryable()
                    ? retry("provider_error", "the video provider failed")
                    : permanent("provider_rejected", "the video provider refused the request");
            case JobEngine.JobFailure job -> job.retryable() ? retry(job.code(), safe(job.getMessage()))
                    : permanent(job.code(), safe(job.getMessage()));
            case WeftException weft when weft.retryable() || weft.kind() == ErrorKind.UNAVAILABLE
                    || weft.kind() == ErrorKind.TIMEOUT -> retry("temporarily_unavailable",
                    "a temporary failure on our side");
            case UncheckedIOException io -> retry("temporarily_unavailable",
                    "a temporary failure on our side");
            default -> permanent("internal_error", "the job failed on our side");
        };
    }

    private static StepFault flow(String code, String message, @Nullable ApiException source) {
        Duration wait = source == null ? DEFAULT_FLOW_WAIT : source.retryAfter().orElse(DEFAULT_FLOW_WAIT);
        return new StepFault(Kind.FLOW_CONTROL, code, message, wait);
    }

    private static StepFault retry(String code, String message) {
        return new StepFault(Kind.RETRYABLE, code, message, null);
    }

    private static StepFault permanent(String code, String message) {
        return new StepFault(Kind.PERMANENT, code, message, null);
    }

    /** JobFailure messages are written in this package; still bounded. */
    private static String safe(@Nullable String message) {
        String text = Objects.requireNonNullElse(message, "the job failed");
        return text.length() <= 200 ? text : text.substring(0, 200);
    }
}
