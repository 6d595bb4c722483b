package dev.weft.core;

import java.util.Objects;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The root of every exception weft throws. Unchecked; each carries a stable machine-readable {@link #code()}
 * (lowercase, snake_case, never changed once published), an {@link ErrorKind} and so an HTTP status.
 *
 * <p>Messages name what failed and in which instance, never bound values, secrets or full SQL text. The
 * original exception, if any, is kept as the cause for operators.
 *
 * <p>Instances are immutable once thrown and safe to share between threads.
 */
public abstract class WeftException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private static final Pattern CODE = Pattern.compile("[a-z][a-z0-9_]{0,63}");

    private final ErrorKind kind;
    private final String code;

    /**
     * @param kind what kind of failure this is
     * @param code a stable snake_case code such as {@code unique_violation}
     * @param message what happened, to which instance; no bound values or secrets
     * @param cause the original failure, or {@code null}
     */
    protected WeftException(ErrorKind kind, String code, String message, @Nullable Throwable cause) {
        super(message, cause);
        this.kind = Objects.requireNonNull(kind, "kind");
        this.code = Objects.requireNonNull(code, "code");
        if (!CODE.matcher(code).matches()) {
            throw new IllegalArgumentException("error code must be snake_case: " + code);
        }
    }

    /** @return the kind of failure */
    public final ErrorKind kind() {
        return kind;
    }

    /** @return the stable machine-readable code, e.g. {@code query_timeout} */
    public final String code() {
        return code;
    }

    /** @return the HTTP status an edge answers with: the status of {@link #kind()} */
    public final int httpStatus() {
        return kind.httpStatus();
    }

    /**
     * A hint for how long a caller should wait before trying again, for an edge's {@code Retry-After}: set by
     * failures that know it (a database known to be down is probed again within it).
     *
     * @return the hint; empty by default
     */
    public java.util.Optional<java.time.Duration> retryAfter() {
        return java.util.Optional.empty();
    }

    /** @return whether trying the same call again may succeed; by default the kind decides */
    public boolean retryable() {
        return kind.retryable();
    }
}
