package dev.weft.service.provider;

import dev.weft.core.ErrorKind;
import dev.weft.core.WeftException;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Every failure a {@link VideoProvider} reports: the provider abstraction's one exception type, so a caller (the job
 * engine) decides what to do from {@link #fault()}, {@link #retryAfter()} and {@link #code()} without knowing the
 * transport. The HTTP provider translates weft-http's exceptions into it at its boundary and keeps them as the
 * cause (for the log).
 *
 * <p>{@link #userMessage()} is a short sentence without internals (no class, host or port), fit to show on a video;
 * {@link #getMessage()} says more and goes to the log.
 *
 * <p>Immutable; safe to share between threads.
 */
public final class ProviderException extends WeftException {
    private static final long serialVersionUID = 1L;

    /** What a caller should do after the failure. */
    public enum Fault {
        /** The provider, or a guard in front of it, asked to wait ({@link #retryAfter()}); nothing is wrong with the job. */
        FLOW_CONTROL,
        /** A real fault that may pass: try again after a backoff. */
        RETRYABLE,
        /** Trying again cannot help. */
        PERMANENT
    }

    private final Fault fault;
    private final String userMessage;
    private final @Nullable Duration retryAfter;
    private final boolean overload;

    private ProviderException(ErrorKind kind, String code, String message, Fault fault, String userMessage,
            @Nullable Duration retryAfter, boolean overload, @Nullable Throwable cause) {
        super(kind, code, message, cause);
        this.fault = Objects.requireNonNull(fault, "fault");
        this.userMessage = Objects.requireNonNull(userMessage, "userMessage");
        this.retryAfter = retryAfter;
        this.overload = overload;
    }

    /**
     * @param provider the provider's name
     * @param message what was wrong with the answer (never a body or a secret)
     * @param cause the parse failure, or {@code null}
     * @return an exception for a malformed answer (retryable: a proxy may have mangled it)
     */
    public static ProviderException badAnswer(String provider, String message, @Nullable Throwable cause) {
        return new ProviderException(ErrorKind.UPSTREAM, "provider_bad_answer", "provider '" + provider + "': "
                + message, Fault.RETRYABLE, "the video provider sent an answer that could not be read", null, false,
                cause);
    }

    /**
     * @param provider the provider's name
     * @param what what is unknown, e.g. {@code job j-1}
     * @return an exception for an unknown job or upload (not retryable)
     */
    public static ProviderException unknown(String provider, String what) {
        return new ProviderException(ErrorKind.NOT_FOUND, "provider_not_found", "provider '" + provider
                + "': unknown " + what, Fault.PERMANENT, "the video provider no longer knows this job", null, false,
                null);
    }

    /**
     * @param provider the provider's name
     * @param message what failed
     * @return a transient failure of the provider itself
     */
    public static ProviderException unavailable(String provider, String message) {
        return new ProviderException(ErrorKind.UNAVAILABLE, "provider_unavailable", "provider '" + provider + "': "
                + message, Fault.RETRYABLE, "the video provider could not be reached", null, true, null);
    }

    /**
     * A transport failure, translated by a provider at its boundary.
     *
     * @param cause the transport's exception: its kind, message and retry hint are kept
     * @param fault what the caller should do
     * @param code the stable provider code, e.g. {@code provider_busy}
     * @param userMessage the sentence shown on the video
     * @param retryAfter how long to wait for {@link Fault#FLOW_CONTROL}, or {@code null} for the caller's default
     * @param overload whether the provider itself said it has too much to do (a 429, a 5xx, a timeout), as opposed
     *     to a guard of ours that refused the call before it was sent
     * @return the exception
     */
    public static ProviderException translated(WeftException cause, Fault fault, String code, String userMessage,
            @Nullable Duration retryAfter, boolean overload) {
        Objects.requireNonNull(cause, "cause");
        return new ProviderException(cause.kind(), code, Objects.requireNonNullElse(cause.getMessage(), code), fault,
                userMessage, retryAfter, overload, cause);
    }

    /** @return what a caller should do */
    public Fault fault() {
        return fault;
    }

    /** @return a short sentence without internals, fit to show on a video */
    public String userMessage() {
        return userMessage;
    }

    /** @return whether the provider itself signalled overload (counts against the adaptive limit) */
    public boolean overload() {
        return overload;
    }

    @Override
    public Optional<Duration> retryAfter() {
        return Optional.ofNullable(retryAfter);
    }

    @Override
    public boolean retryable() {
        return fault != Fault.PERMANENT;
    }
}
