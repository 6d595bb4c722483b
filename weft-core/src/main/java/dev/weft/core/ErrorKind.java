package dev.weft.core;

/**
 * What kind of failure a {@link WeftException} reports. The kind, not the Java type, decides the HTTP status
 * and whether a retry may help, so callers never walk {@code instanceof} chains.
 */
public enum ErrorKind {
    /** The caller sent something invalid: a bad identifier, a missing parameter, a value out of range. */
    INVALID_INPUT(400, false),
    /** The caller did not say who it is, or the credentials are not valid (HTTP 401). */
    UNAUTHENTICATED(401, false),
    /** The caller is known but may not do this (HTTP 403). */
    FORBIDDEN(403, false),
    /** The thing asked for does not exist. */
    NOT_FOUND(404, false),
    /** The request conflicts with the current state: a duplicate key, a foreign key, a lost race. */
    CONFLICT(409, false),
    /** A dependency did not answer in time. HTTP 504, not the guides' 408, which means a slow client. */
    TIMEOUT(504, true),
    /** A dependency is down or saturated: no connection, pool exhausted, circuit open. */
    UNAVAILABLE(503, true),
    /** A rate limit refused the call. */
    RATE_LIMITED(429, true),
    /** An upstream service answered with an error. */
    UPSTREAM(502, false),
    /** A bug or an unexpected state inside weft or its caller. */
    INTERNAL(500, false);

    private final int httpStatus;
    private final boolean retryable;

    ErrorKind(int httpStatus, boolean retryable) {
        this.httpStatus = httpStatus;
        this.retryable = retryable;
    }

    /** @return the HTTP status an edge should answer with for this kind */
    public int httpStatus() {
        return httpStatus;
    }

    /** @return whether a later attempt of the same call may succeed, by default, for this kind */
    public boolean retryable() {
        return retryable;
    }
}
