package dev.weft.db;

import dev.weft.core.RetryPolicy;
import dev.weft.db.internal.ConnectionPool;
import java.time.Duration;
import java.util.function.Predicate;

/**
 * weft-db's one retry loop, over weft-core's {@link RetryPolicy} (exponential backoff, full jitter): statements
 * retry transient faults ({@link #transientFault}), whole transactions a serialization failure or deadlock
 * ({@link #serializationFailure}). The first attempt runs directly, so the common case costs a call. The backoff
 * sleeps on the caller's (virtual) thread. Thread-safe.
 */
final class DatabaseRetry {
    private final RetryPolicy policy;

    DatabaseRetry(RetryPolicy policy) {
        this.policy = policy;
    }

    /** One attempt of the retried work; may throw the work's own checked exception. */
    @FunctionalInterface
    interface Attempt<T, X extends Exception> {
        T run() throws X;
    }

    /**
     * Runs {@code attempt} until it succeeds, fails with an exception {@code retryable} refuses, or the policy's
     * attempts are spent. The last failure is thrown, the first added to it as suppressed.
     */
    <T, X extends Exception> T run(Attempt<T, X> attempt, Predicate<RuntimeException> retryable) throws X {
        RuntimeException first = null;
        for (int made = 1; ; made++) {
            try {
                return attempt.run();
            } catch (RuntimeException failure) {
                if (!policy.allowsAnotherAttempt(made) || !retryable.test(failure)) {
                    if (first != null && failure != first) {
                        failure.addSuppressed(first);
                    }
                    throw failure;
                }
                if (first == null) {
                    first = failure;
                }
                sleep(policy.delayBefore(made, null), failure);
            }
        }
    }

    private static void sleep(Duration wait, RuntimeException failure) {
        try {
            Thread.sleep(wait);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw failure;
        }
    }

    /**
     * Whether a statement's failure is worth another attempt. Failing to open a connection is not: the pool
     * already waited, and a down server should answer 503 fast. Nor is a refusal because the database is known
     * down: it names when to come back, and retrying sooner only delays the 503 by the backoff (41 ms at the
     * median in the fault suite).
     */
    static boolean transientFault(RuntimeException error) {
        return error instanceof DatabaseException db && db.retryable() && !(error instanceof PoolExhaustedException)
                && !(error instanceof ConnectionPool.ConnectFailedException) && db.retryAfter().isEmpty();
    }

    /** Whether a transaction failed on a serialization failure or deadlock, so that running it again may pass. */
    static boolean serializationFailure(RuntimeException error) {
        return error instanceof DatabaseException db && "serialization_failure".equals(db.code());
    }
}
