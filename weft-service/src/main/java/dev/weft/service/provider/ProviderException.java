package dev.weft.service.provider;

import dev.weft.core.ErrorKind;
import dev.weft.core.WeftException;
import org.jspecify.annotations.Nullable;

/**
 * A provider answered something the contract does not allow (a missing {@code url} or {@code job_id}, an unknown
 * status), or does not know a job. Transient transport failures are weft-http's own exceptions instead.
 */
public final class ProviderException extends WeftException {
    private static final long serialVersionUID = 1L;

    private final boolean retryable;

    private ProviderException(ErrorKind kind, String code, String message, boolean retryable,
            @Nullable Throwable cause) {
        super(kind, code, message, cause);
        this.retryable = retryable;
    }

    /**
     * @param provider the provider's name
     * @param message what was wrong with the answer (never a body or a secret)
     * @param cause the parse failure, or {@code null}
     * @return an exception for a malformed answer (retryable: a proxy may have mangled it)
     */
    public static ProviderException badAnswer(String provider, String message, @Nullable Throwable cause) {
        return new ProviderException(ErrorKind.UPSTREAM, "provider_bad_answer",
                "provider '" + provider + "': " + message, true, cause);
    }

    /**
     * @param provider the provider's name
     * @param what what is unknown, e.g. {@code job j-1}
     * @return an exception for an unknown job or upload (not retryable)
     */
    public static ProviderException unknown(String provider, String what) {
        return new ProviderException(ErrorKind.NOT_FOUND, "provider_not_found",
                "provider '" + provider + "': unknown " + what, false, null);
    }

    /**
     * @param provider the provider's name
     * @param message what failed
     * @return a transient failure of the provider itself
     */
    public static ProviderException unavailable(String provider, String message) {
        return new ProviderException(ErrorKind.UNAVAILABLE, "provider_unavailable",
                "provider '" + provider + "': " + message, true, null);
    }

    @Override
    public boolean retryable() {
        return retryable;
    }
}
