package dev.weft.http.testing;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * One request as the {@link FaultServer} saw it.
 *
 * <p>Immutable and thread-safe.
 *
 * @param method the request method, as sent (e.g. {@code GET})
 * @param path the raw (not percent-decoded) path of the request target, without the query (e.g. {@code /items/7})
 * @param query the raw query string without {@code ?}; empty when the target has none
 * @param headers the request headers; the map's lookups ignore case ({@code get("content-type")} finds
 *     {@code Content-Type}), each name maps to its values in arrival order
 * @param bodySize bytes of request body read (after chunked decoding); -1 while unknown, e.g. for the
 *     head handed to {@link Behavior#select(RecordedRequest)} before the body is read
 */
public record RecordedRequest(String method, String path, String query, Map<String, List<String>> headers,
                              long bodySize) {

    /** Validates the fields and copies the headers into an unmodifiable case-insensitive map. */
    public RecordedRequest {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(query, "query");
        Objects.requireNonNull(headers, "headers");
        if (bodySize < -1) {
            throw new IllegalArgumentException("bodySize must be >= -1, was " + bodySize);
        }
        TreeMap<String, List<String>> copy = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        headers.forEach((name, values) -> copy.merge(name, List.copyOf(values), (a, b) -> {
            List<String> both = new ArrayList<>(a);
            both.addAll(b);
            return List.copyOf(both);
        }));
        headers = Collections.unmodifiableMap(copy);
    }

    /**
     * The first value of a header.
     *
     * @param name the header name, any case
     * @return the first value, or empty when the request did not carry the header
     */
    public Optional<String> header(String name) {
        List<String> values = headers.get(Objects.requireNonNull(name, "name"));
        return values == null || values.isEmpty() ? Optional.empty() : Optional.of(values.getFirst());
    }

    /**
     * This request with a known body size.
     *
     * @param size bytes of body read
     * @return a copy carrying {@code size}
     */
    RecordedRequest withBodySize(long size) {
        return new RecordedRequest(method, path, query, headers, size);
    }
}
