package dev.weft.service.provider;

import dev.weft.core.ErrorKind;
import dev.weft.http.ApiException;
import dev.weft.http.ApiTimeoutException;
import dev.weft.http.BulkheadFullException;
import dev.weft.http.CircuitOpenException;
import dev.weft.http.RateLimitedException;
import dev.weft.http.ResponseFormatException;
import dev.weft.http.RetryBudgetExhaustedException;
import dev.weft.http.UpstreamException;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * Translates weft-http's exceptions into {@link ProviderException}s at the HTTP provider's boundary, deciding once
 * what each means for a caller:
 * <ul>
 *   <li>flow control: an open or half-open breaker, a 429 or a 503 with {@code Retry-After}, a full bulkhead, a
 *       provider that refuses connections or takes none in time (nothing reached it, so the job is not what is
 *       wrong);</li>
 *   <li>retryable: a 5xx or 408, a timeout, an unreadable answer, a spent retry budget;</li>
 *   <li>permanent: any other 4xx, any other refusal.</li>
 * </ul>
 * Anything not from weft-http passes unchanged.
 *
 * <p>Stateless and thread-safe.
 */
public final class HttpFaults {
    /**
     * Wait after the provider could not be reached at all (connection refused, no connection in time). Short, so
     * jobs notice its return within seconds; cheap, since nothing is sent; and once such calls are many, the
     * breaker opens and the jobs wait for its half-open probes instead.
     */
    public static final Duration UNREACHABLE_WAIT = Duration.ofSeconds(1);

    private HttpFaults() {
    }

    /**
     * @param failure what a weft-http call threw
     * @return the provider's exception for it, or {@code failure} itself if it is not weft-http's
     */
    public static RuntimeException translate(RuntimeException failure) {
        return failure instanceof ApiException api ? of(api) : failure;
    }

    private static ProviderException of(ApiException failure) {
        return switch (failure) {
            case CircuitOpenException open -> flow(open, "provider_recovering",
                    "the video provider is recovering; the job resumes when it answers again");
            case RateLimitedException limited -> flow(limited, "provider_busy",
                    "the video provider asked us to slow down; the job continues shortly");
            case BulkheadFullException full -> flow(full, "provider_busy",
                    "the video provider is busy; the job continues shortly");
            case RetryBudgetExhaustedException budget when budget.getCause() instanceof ApiException cause
                    && of(cause).fault() == ProviderException.Fault.FLOW_CONTROL -> of(cause);
            case RetryBudgetExhaustedException budget -> retry(budget, "provider_unavailable",
                    "the video provider is failing");
            case UpstreamException upstream when (upstream.status() == 503 || upstream.status() == 429)
                    && upstream.retryAfter().isPresent() -> flow(upstream, "provider_busy",
                    "the video provider asked us to wait; the job continues shortly");
            case UpstreamException upstream when upstream.status() >= 500 || upstream.status() == 408 ->
                    retry(upstream, "provider_error", "the video provider answered with an error");
            case UpstreamException upstream -> permanent(upstream, "provider_rejected",
                    "the video provider refused the request");
            case ApiException api when api.code().equals("upstream_unreachable")
                    || api.code().equals("connect_timeout") -> ProviderException.translated(api,
                    ProviderException.Fault.FLOW_CONTROL, "provider_unreachable",
                    "the video provider cannot be reached; the job resumes when it can", UNREACHABLE_WAIT,
                    overload(api));
            case ApiTimeoutException timeout -> retry(timeout, "provider_timeout",
                    "the video provider did not answer in time");
            case ResponseFormatException format -> retry(format, "provider_bad_answer",
                    "the video provider sent an answer that could not be read");
            case ApiException api when api.kind() == ErrorKind.UNAVAILABLE -> retry(api, "provider_unavailable",
                    "the video provider could not be reached");
            case ApiException api -> api.retryable()
                    ? retry(api, "provider_error", "the video provider failed")
                    : permanent(api, "provider_rejected", "the video provider refused the request");
        };
    }

    private static ProviderException flow(ApiException source, String code, String message) {
        @Nullable Duration wait = source.retryAfter().orElse(null);
        return ProviderException.translated(source, ProviderException.Fault.FLOW_CONTROL, code, message, wait,
                overload(source));
    }

    private static ProviderException retry(ApiException source, String code, String message) {
        return ProviderException.translated(source, ProviderException.Fault.RETRYABLE, code, message, null,
                overload(source));
    }

    private static ProviderException permanent(ApiException source, String code, String message) {
        return ProviderException.translated(source, ProviderException.Fault.PERMANENT, code, message, null,
                overload(source));
    }

    /**
     * Whether the provider itself said it has too much to do: rate limited, timed out, unavailable or a 5xx; a call
     * our breaker or bulkhead refused was never sent and says nothing about the provider.
     */
    private static boolean overload(ApiException failure) {
        if (failure.code().equals("circuit_open") || failure.code().equals("bulkhead_full")) {
            return false;
        }
        return failure.kind() == ErrorKind.RATE_LIMITED || failure.kind() == ErrorKind.TIMEOUT
                || failure.kind() == ErrorKind.UNAVAILABLE
                || failure instanceof UpstreamException upstream && upstream.status() >= 500;
    }
}
