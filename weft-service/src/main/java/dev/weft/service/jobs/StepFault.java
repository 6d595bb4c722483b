package dev.weft.service.jobs;

import dev.weft.core.ErrorKind;
import dev.weft.core.WeftException;
import dev.weft.service.provider.ProviderException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What a failed job step means for the job, decided once from the exception. The provider abstraction reports every
 * provider failure as a {@link ProviderException} whose {@link ProviderException#fault()} already says which of
 * these it is ({@link dev.weft.service.provider.HttpFaults} decides for weft-http's exceptions); this class adds our
 * own failures (the adaptive limit, a missing upload, the database):
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
            case ProviderLimit.Busy busy -> new StepFault(Kind.FLOW_CONTROL, "provider_busy",
                    "the video provider is busy; the job continues shortly", DEFAULT_FLOW_WAIT);
            case ProviderException provider -> switch (provider.fault()) {
                case FLOW_CONTROL -> new StepFault(Kind.FLOW_CONTROL, provider.code(), provider.userMessage(),
                        provider.retryAfter().orElse(DEFAULT_FLOW_WAIT));
                case RETRYABLE -> retry(provider.code(), provider.userMessage());
                case PERMANENT -> permanent(provider.code(), provider.userMessage());
            };
            case JobFailure job -> job.retryable() ? retry(job.code(), safe(job.getMessage()))
                    : permanent(job.code(), safe(job.getMessage()));
            case WeftException weft when weft.retryable() || weft.kind() == ErrorKind.UNAVAILABLE
                    || weft.kind() == ErrorKind.TIMEOUT -> retry("temporarily_unavailable",
                    "a temporary failure on our side");
            case UncheckedIOException io -> retry("temporarily_unavailable",
                    "a temporary failure on our side");
            default -> permanent("internal_error", "the job failed on our side");
        };
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
