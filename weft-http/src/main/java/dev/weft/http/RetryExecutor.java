package dev.weft.http;

import dev.weft.core.RetryPolicy;
import java.time.Duration;
import java.util.Objects;
import java.util.function.LongSupplier;
import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;

/**
 * The attempt loop of a call: admits each attempt through the host's guards, sends it with the
 * {@link AttemptRunner}, and retries what may be retried with weft-core's full-jitter {@link RetryPolicy}, inside
 * the host's {@link RetryBudget} and the call's deadline. Records the call's failure in the metrics. Thread-safe.
 *
 * <p>Retry is weft's own loop, not Resilience4j's {@code Retry}: the decision needs the method, the idempotency key,
 * whether the request provably never left, the server's {@code Retry-After} and a budget shared by all calls to a
 * host, none of which R4j's retry can express without wrapping every one of them.
 */
final class RetryExecutor {
    private final ApiConfig config;
    private final RetryPolicy policy;
    private final AttemptRunner attempts;
    private final CallMetrics metrics;
    private final HttpTracing tracing;
    private final LongSupplier nanoTime;
    private final RandomGenerator random;

    RetryExecutor(ApiConfig config, AttemptRunner attempts, CallMetrics metrics, HttpTracing tracing,
            LongSupplier nanoTime, RandomGenerator random) {
        this.tracing = tracing;
        this.config = config;
        this.policy = config.retry().policy();
        this.attempts = attempts;
        this.metrics = metrics;
        this.nanoTime = nanoTime;
        this.random = random;
    }

    /**
     * Attempts the call until a response below 400 (or a 304) arrives, retrying what may be retried. The returned
     * exchange holds the bulkhead permit; the caller closes it.
     *
     * @param ifNoneMatch the cached ETag to revalidate, or {@code null}
     * @param boundedByDeadline whether the deadline also cuts a slow body
     * @throws ApiException the last attempt's failure, or why no attempt could be made
     */
    Exchange execute(Call call, @Nullable String ifNoneMatch, boolean boundedByDeadline) {
        HostGuard guard = call.guard();
        guard.budget.recordCall();
        ApiException last = null;
        for (int attempt = 1; ; attempt++) {
            long remaining = call.deadline() - nanoTime.getAsLong();
            if (remaining <= 0) {
                throw failed(call, attempt - 1, last != null ? last
                        : new ApiTimeoutException(config.name(), guard.authority, "deadline_exceeded",
                                "deadline passed before the call could be sent", null));
            }
            try {
                guard.admit(remaining, last, call.budgetMillis());
            } catch (ApiException refused) {
                tracing.refused(call, refused);
                throw failed(call, attempt - 1, refused);
            }
            AttemptRunner.Attempt outcome = attempts.send(call, attempt, ifNoneMatch, boundedByDeadline);
            Exchange exchange = outcome.exchange();
            if (exchange != null) {
                return exchange;
            }
            ApiException previous = last;
            last = Objects.requireNonNull(outcome.failure());
            if (previous != null && last instanceof ApiTimeoutException) {
                // The deadline ended a retry: keep why the call was retrying (a 503, a reset), or the caller
                // sees only a timeout.
                last.addSuppressed(previous);
            }
            Duration retryAfter = outcome.retryAfter();
            if (!outcome.retryable()) {
                throw failed(call, attempt, last);
            }
            if (retryAfter != null && !mayWait(call, retryAfter)) {
                throw failed(call, attempt, notWaitedFor(call, last, retryAfter));
            }
            if (!mayRetry(call, attempt, outcome.neverSent(), retryAfter != null, last)) {
                throw failed(call, attempt, last);
            }
            Duration delay = policy.backoff().delay(attempt, retryAfter, random);
            if (delay.toNanos() >= call.deadline() - nanoTime.getAsLong()) {
                throw failed(call, attempt, last);
            }
            metrics.retry();
            sleep(delay, guard);
        }
    }

    /**
     * Whether the retry policy lets the call wait what the server asked for: no longer than {@code maxRetryDelay} and
     * ending before the call's deadline. A retry sent sooner than the server said would only be refused again (and
     * cutting the wait short used to send three quick retries to a server that asked for an hour), so a longer wait
     * is left to the caller.
     */
    private boolean mayWait(Call call, Duration retryAfter) {
        return retryAfter.compareTo(policy.backoff().maxDelay()) <= 0
                && retryAfter.toNanos() < call.deadline() - nanoTime.getAsLong();
    }

    /**
     * The failure for a server's wait the call will not make: a 429 becomes a {@link RateLimitedException} that says
     * why it was not retried; other statuses keep their failure, which carries the wait in {@code retryAfter()}.
     */
    private ApiException notWaitedFor(Call call, ApiException last, Duration retryAfter) {
        if (!(last instanceof RateLimitedException)) {
            return last;
        }
        Duration maxDelay = policy.backoff().maxDelay();
        String limit = retryAfter.compareTo(maxDelay) > 0 ? "max-retry-delay (" + maxDelay.toMillis() + " ms)"
                : "the call's deadline (" + call.budgetMillis() + " ms)";
        return new RateLimitedException(config.name(), call.guard().authority, retryAfter,
                call.request().method() + " " + call.target().uriTemplate() + " answered 429 and asked to wait "
                        + retryAfter.toSeconds() + " s, beyond " + limit + "; not retried", true);
    }

    /**
     * Whether the failed attempt may be retried; throws if only the budget stands in the way. A retry the server
     * asked for with {@code Retry-After} (a polite 429 or 503, within {@link #mayWait}) is flow control, not a retry
     * storm: it waits what the server said and does not draw from the budget, so a rate-limited but healthy
     * upstream never exhausts it.
     */
    private boolean mayRetry(Call call, int attempt, boolean neverSent, boolean serverSaidWhen, ApiException last) {
        if (!policy.allowsAnotherAttempt(attempt)) {
            return false;
        }
        if (!call.resendable() && !neverSent) {
            return false;
        }
        if (!serverSaidWhen && !call.guard().budget.tryRetry()) {
            throw failed(call, attempt,
                    new RetryBudgetExhaustedException(config.name(), call.guard().authority, attempt, last));
        }
        return true;
    }

    /** Records the call's failure and returns it to throw. */
    private ApiException failed(Call call, int attempts, ApiException failure) {
        int status = failure instanceof UpstreamException upstream ? upstream.status()
                : failure instanceof RateLimitedException limited && limited.fromUpstream() ? 429 : 0;
        metrics.finish(call, status, failure.code(), attempts, true, nanoTime.getAsLong());
        return failure;
    }

    private void sleep(Duration delay, HostGuard guard) {
        try {
            Thread.sleep(delay);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw TransportFailures.interrupted(config.name(), guard.authority, "during retry backoff");
        }
    }
}
