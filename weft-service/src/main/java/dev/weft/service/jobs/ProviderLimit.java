package dev.weft.service.jobs;

import com.netflix.concurrency.limits.Limiter;
import com.netflix.concurrency.limits.limit.AIMDLimit;
import com.netflix.concurrency.limits.limiter.AbstractLimiter;
import com.netflix.concurrency.limits.limiter.BlockingLimiter;
import com.netflix.concurrency.limits.limiter.SimpleLimiter;
import dev.weft.core.ErrorKind;
import dev.weft.core.WeftException;
import dev.weft.service.provider.ProviderException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * An adaptive cap on the job workers' calls in flight to the provider (Netflix concurrency-limits, AIMD): each
 * answer the provider gives in time raises the limit by one while it is in use; a 429, a 503, a reset or a call
 * slower than {@link #SLOW_CALL} cuts it by a tenth (never below one). Workers beyond the limit wait up to
 * {@link #ACQUIRE_WAIT} for a slot, then treat the step as flow control ({@link Busy}), spending no attempt. So
 * a struggling provider sees fewer calls at once, and a healthy one gets as many as the workers make.
 *
 * <p>Thread-safe.
 */
final class ProviderLimit {
    /** A call slower than this counts as a sign of overload. */
    static final Duration SLOW_CALL = Duration.ofSeconds(5);
    /** How long a worker waits for a slot before it reschedules its step. */
    static final Duration ACQUIRE_WAIT = Duration.ofSeconds(1);

    private final AbstractLimiter<Void> limiter;
    private final Limiter<Void> blocking;

    ProviderLimit(int initial, int max, LongSupplier nanoTime) {
        AIMDLimit limit = AIMDLimit.newBuilder().initialLimit(Math.max(1, Math.min(initial, max))).minLimit(1)
                .maxLimit(Math.max(1, max)).backoffRatio(0.9).timeout(SLOW_CALL.toNanos(), TimeUnit.NANOSECONDS)
                .build();
        this.limiter = SimpleLimiter.newBuilder().named("provider").limit(limit).nanoClock(nanoTime).build();
        this.blocking = BlockingLimiter.wrap(limiter, ACQUIRE_WAIT);
    }

    /** @return the current limit */
    int limit() {
        return limiter.getLimit();
    }

    /** @return calls in flight */
    int inFlight() {
        return limiter.getInflight();
    }

    /**
     * Runs one provider call within the limit.
     *
     * @throws Busy when no slot came within {@link #ACQUIRE_WAIT}
     */
    <T> T call(Supplier<T> action) {
        Optional<Limiter.Listener> slot = blocking.acquire(null);
        if (slot.isEmpty()) {
            if (Thread.currentThread().isInterrupted()) {
                throw new Busy("interrupted while waiting for a provider slot");
            }
            throw new Busy("no provider slot within " + ACQUIRE_WAIT.toMillis() + " ms (limit " + limit() + ")");
        }
        Limiter.Listener listener = slot.get();
        try {
            T result = action.get();
            listener.onSuccess();
            return result;
        } catch (RuntimeException e) {
            if (overload(e)) {
                listener.onDropped();
            } else {
                listener.onIgnore();
            }
            throw e;
        } catch (Error e) {
            listener.onIgnore(); // the slot is given back whatever happened
            throw e;
        }
    }

    /** Faults that say the provider has too much to do (as opposed to a bad request or our own refusal). */
    private static boolean overload(RuntimeException e) {
        if (e instanceof ProviderException provider) {
            return provider.overload();
        }
        if (!(e instanceof WeftException weft)) {
            return false;
        }
        if (weft.code().equals("circuit_open") || weft.code().equals("bulkhead_full")) {
            return false; // refused here, never sent: says nothing new about the provider
        }
        return weft.kind() == ErrorKind.RATE_LIMITED || weft.kind() == ErrorKind.TIMEOUT
                || weft.kind() == ErrorKind.UNAVAILABLE;
    }

    /** No slot toward the provider within the wait: flow control, not a fault. */
    static final class Busy extends WeftException {
        private static final long serialVersionUID = 1L;

        Busy(String message) {
            super(ErrorKind.UNAVAILABLE, "provider_busy", message, null);
        }

        @Override
        public boolean retryable() {
            return true;
        }
    }
}
