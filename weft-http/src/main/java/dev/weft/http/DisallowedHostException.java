package dev.weft.http;

import dev.weft.core.ErrorKind;

/**
 * An absolute URL named a host that is neither the base URL's nor on the allowlist (SSRF guard), or a scheme other
 * than http(s). The request was not sent. Maps to 400. Thread-safe.
 */
public final class DisallowedHostException extends ApiException {
    private static final long serialVersionUID = 1L;

    DisallowedHostException(String client, String host) {
        super(ErrorKind.INVALID_INPUT, client, host, "host_not_allowed",
                "host is not the base URL's and not on the allowlist; request not sent", null);
    }
}
