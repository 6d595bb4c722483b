package dev.weft.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.core.ErrorKind;
import dev.weft.core.RetryPolicy;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class DatabaseRetryTest {
    private static final DatabaseRetry THREE_ATTEMPTS =
            new DatabaseRetry(RetryPolicy.of(3, Duration.ZERO, Duration.ZERO));

    private static DatabaseException transientFault() {
        return new DatabaseException(ErrorKind.UNAVAILABLE, "connection_lost", "lost", "08006", true, null);
    }

    @Test
    void retriesATransientFaultUntilAnAttemptSucceeds() {
        AtomicInteger attempts = new AtomicInteger();

        String result = THREE_ATTEMPTS.run(() -> {
            if (attempts.incrementAndGet() < 3) {
                throw transientFault();
            }
            return "ok";
        }, DatabaseRetry::transientFault);

        assertThat(result).isEqualTo("ok");
        assertThat(attempts).hasValue(3);
    }

    @Test
    void throwsTheLastFailureWithTheFirstSuppressedOnceAttemptsAreSpent() {
        AtomicInteger attempts = new AtomicInteger();

        assertThatThrownBy(() -> THREE_ATTEMPTS.run(() -> {
            attempts.incrementAndGet();
            throw transientFault();
        }, DatabaseRetry::transientFault)).isInstanceOf(DatabaseException.class)
                .satisfies(last -> assertThat(last.getSuppressed()).hasSize(1));
        assertThat(attempts).hasValue(3);
    }

    @Test
    void neverRetriesAFailedConnectOrARefusalWhileTheDatabaseIsKnownDown() {
        AtomicInteger attempts = new AtomicInteger();

        assertThatThrownBy(() -> THREE_ATTEMPTS.run(() -> {
            attempts.incrementAndGet();
            throw new DatabaseUnavailableException("down", Duration.ofSeconds(1));
        }, DatabaseRetry::transientFault)).isInstanceOf(DatabaseUnavailableException.class);
        assertThat(attempts).hasValue(1);
    }

    @Test
    void retriesAWholeTransactionOnlyOnASerializationFailure() {
        DatabaseException serialization = new DatabaseException(ErrorKind.CONFLICT, "serialization_failure",
                "could not serialize", "40001", true, null);

        assertThat(DatabaseRetry.serializationFailure(serialization)).isTrue();
        assertThat(DatabaseRetry.serializationFailure(transientFault())).isFalse();
    }

    @Test
    void retryConfigBecomesThePolicyWithOneAttemptMoreThanItsRetries() {
        RetryConfig config = RetryConfig.defaults();

        RetryPolicy policy = config.policy();

        assertThat(policy.maxAttempts()).isEqualTo(config.maxRetries() + 1);
        assertThat(policy.backoff().bound(3)).isEqualTo(config.backoffBound(3));
        assertThat(RetryConfig.none().policy().maxAttempts()).isEqualTo(1);
    }
}
