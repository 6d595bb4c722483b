package dev.weft.http;

import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The outcome of one request of a {@link ApiClient#batch batch}: its value or its own error, never both.
 *
 * @param index position of the request in the batch
 * @param value the value on success, else {@code null}
 * @param error the failure (a {@link dev.weft.core.WeftException} such as {@link ApiException} or an invalid-input error), else {@code null}
 * @param <T> the value type
 */
public record BatchResult<T>(int index, @Nullable T value, @Nullable RuntimeException error) {
    /** Checks that exactly one of value and error is set. */
    public BatchResult {
        if ((value == null) == (error == null)) {
            throw new IllegalArgumentException("exactly one of value and error must be set");
        }
    }

    /**
     * Returns whether the request succeeded.
     *
     * @return whether the request succeeded
     */
    public boolean succeeded() {
        return error == null;
    }

    /**
     * The value, or the request's own error thrown.
     *
     * @return the value
     * @throws RuntimeException the request's error (a {@link dev.weft.core.WeftException} unless a bug)
     */
    public T orThrow() {
        if (error != null) {
            throw error;
        }
        return Objects.requireNonNull(value);
    }

    /**
     * Returns the error, if the request failed.
     *
     * @return the error, if the request failed
     */
    public Optional<RuntimeException> failure() {
        return Optional.ofNullable(error);
    }
}
