package dev.weft.service.ops;

import com.fasterxml.jackson.databind.JsonNode;
import dev.weft.service.Validation;
import org.jspecify.annotations.Nullable;

/**
 * The body of {@code PUT /cache/{key}}.
 *
 * @param value any JSON value
 * @param ttlSeconds 1..2,592,000 seconds; absent for {@link #DEFAULT_TTL_SECONDS}
 */
public record CachePutRequest(@Nullable JsonNode value, @Nullable Long ttlSeconds) {
    /** The TTL when none is given: one hour. */
    public static final long DEFAULT_TTL_SECONDS = 3600;
    /** The longest TTL: 30 days. */
    public static final long MAX_TTL_SECONDS = 2_592_000;

    /** Validates the fields. */
    public CachePutRequest {
        Validation validation = Validation.start();
        validation.required("value", value);
        validation.range("ttl_seconds", ttlSeconds, 1, MAX_TTL_SECONDS);
        validation.check();
    }
}
