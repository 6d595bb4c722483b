package dev.weft.http;

import dev.weft.core.ErrorKind;
import org.jspecify.annotations.Nullable;

/**
 * The host resolved to an address the client's {@link AddressPolicy} refuses (a private, loopback or metadata
 * address for a webhook client): no connection was opened and nothing was sent. Not retryable (the same answer
 * would come again), and not counted against the host's circuit breaker (the host was never reached). Maps to 400.
 * Thread-safe.
 */
public final class DisallowedAddressException extends ApiException {
    private static final long serialVersionUID = 1L;
    private final String reason;

    DisallowedAddressException(String client, String host, String address, String reason,
            @Nullable Throwable cause) {
        super(ErrorKind.INVALID_INPUT, client, host, "address_not_allowed",
                "host resolves to " + address + ", which the address policy refuses (" + reason + "); not connected",
                cause);
        this.reason = reason;
    }

    /**
     * Returns the policy's reason, e.g. {@code "private"}; unlike the message, it never names the address.
     *
     * @return the reason
     */
    public String reason() {
        return reason;
    }

    @Override
    public boolean retryable() {
        return false;
    }
}
