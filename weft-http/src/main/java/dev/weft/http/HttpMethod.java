package dev.weft.http;

/** The methods the client sends. {@link #idempotent()} decides what may be retried without an idempotency key. */
public enum HttpMethod {
    /** GET: safe, idempotent, cacheable. */
    GET(true),
    /** HEAD: safe, idempotent. */
    HEAD(true),
    /** POST: retried only with an Idempotency-Key or when it provably never reached the server. */
    POST(false),
    /** PUT: idempotent. */
    PUT(true),
    /** PATCH: retried only with an Idempotency-Key or when it provably never reached the server. */
    PATCH(false),
    /** DELETE: idempotent. */
    DELETE(true),
    /** OPTIONS: safe, idempotent. */
    OPTIONS(true);

    private final boolean idempotent;

    HttpMethod(boolean idempotent) {
        this.idempotent = idempotent;
    }

    /**
     * Returns whether repeating the request has the same effect as sending it once (RFC 9110 §9.2.2).
     *
     * @return whether repeating the request has the same effect as sending it once (RFC 9110 §9.2.2)
     */
    public boolean idempotent() {
        return idempotent;
    }
}
