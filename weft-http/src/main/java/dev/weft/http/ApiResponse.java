package dev.weft.http;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.weft.cache.TypeRef;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A response read whole: status, headers and body. Immutable and thread-safe.
 */
public final class ApiResponse {
    private final int status;
    private final Map<String, List<String>> headers;
    private final byte[] body;
    private final boolean fromCache;
    private final int attempts;
    private final JsonCodec codec;
    private final String client;
    private final String host;

    ApiResponse(int status, Map<String, List<String>> headers, byte[] body, boolean fromCache, int attempts,
            JsonCodec codec, String client, String host) {
        this.status = status;
        this.headers = java.util.Collections.unmodifiableMap(headers);
        this.body = body;
        this.fromCache = fromCache;
        this.attempts = attempts;
        this.codec = codec;
        this.client = client;
        this.host = host;
    }

    /**
     * Returns the HTTP status.
     *
     * @return the HTTP status
     */
    public int status() {
        return status;
    }

    /**
     * Returns the headers, names in lowercase.
     *
     * @return the headers, names in lowercase
     */
    public Map<String, List<String>> headers() {
        return headers;
    }

    /**
     * The first value of a header.
     *
     * @param name the header name, any case
     * @return the value, if present
     */
    public Optional<String> header(String name) {
        List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
        return values == null || values.isEmpty() ? Optional.empty() : Optional.of(values.getFirst());
    }

    /**
     * Returns a copy of the body.
     *
     * @return a copy of the body
     */
    public byte[] bytes() {
        return body.clone();
    }

    /**
     * Returns the body decoded as UTF-8.
     *
     * @return the body decoded as UTF-8
     */
    public String text() {
        return new String(body, StandardCharsets.UTF_8);
    }

    /**
     * Maps the JSON body.
     *
     * @param type the target type
     * @param <T> the type
     * @return the value
     * @throws ResponseFormatException if the body is not JSON of that shape
     */
    public <T> T json(Class<T> type) {
        return codec.read(body, codec.mapper().constructType(type), this);
    }

    /**
     * Maps the JSON body to a generic type.
     *
     * @param type the target type
     * @param <T> the type
     * @return the value
     * @throws ResponseFormatException if the body is not JSON of that shape
     */
    public <T> T json(TypeRef<T> type) {
        return codec.read(body, codec.mapper().constructType(type.type()), this);
    }

    /**
     * The JSON body as plain Java values: {@code Map<String, Object>}, {@code List<Object>}, {@code String},
     * {@code Number}, {@code Boolean} or {@code null}.
     *
     * @return the tree
     * @throws ResponseFormatException if the body is not JSON
     */
    public @Nullable Object tree() {
        return codec.read(body, codec.mapper().constructType(Object.class), this);
    }

    /**
     * Returns whether the body came from the response cache (fresh, or revalidated with a 304).
     *
     * @return whether the body came from the response cache (fresh, or revalidated with a 304)
     */
    public boolean fromCache() {
        return fromCache;
    }

    /**
     * Returns attempts made, 1 when no retry was needed, 0 when served from the cache without a request.
     *
     * @return attempts made, 1 when no retry was needed, 0 when served from the cache without a request
     */
    public int attempts() {
        return attempts;
    }

    String client() {
        return client;
    }

    String host() {
        return host;
    }

    @Override
    public String toString() {
        return "ApiResponse[status=" + status + ", bytes=" + body.length + ", fromCache=" + fromCache + "]";
    }

    /** The client's Jackson mapper, with errors turned into {@link ResponseFormatException}. */
    record JsonCodec(ObjectMapper mapper) {
        /**
         * What is wrong with a body and where, without any of its content: Jackson's own messages quote the
         * offending token or value (a token, an e-mail address), and exception messages end up in logs. Map keys
         * are data too, so a path shows them as {@code *}.
         */
        static String problem(JacksonException e) {
            StringBuilder text = new StringBuilder(e.getClass().getSimpleName());
            if (e instanceof JsonMappingException mapping && !mapping.getPath().isEmpty()) {
                text.append(" at $");
                for (JsonMappingException.Reference reference : mapping.getPath()) {
                    if (reference.getIndex() >= 0) {
                        text.append('[').append(reference.getIndex()).append(']');
                    } else if (reference.getFrom() instanceof Map<?, ?> || reference.getFieldName() == null) {
                        text.append(".*");
                    } else {
                        text.append('.').append(reference.getFieldName());
                    }
                }
            }
            JsonLocation location = e.getLocation();
            if (location != null && location.getLineNr() > 0) {
                text.append(" (line ").append(location.getLineNr()).append(", column ")
                        .append(location.getColumnNr()).append(')');
            }
            return text.toString();
        }

        <T> T read(byte[] bytes, com.fasterxml.jackson.databind.JavaType type, ApiResponse response) {
            try {
                return mapper.readValue(bytes, type);
            } catch (JacksonException e) {
                throw new ResponseFormatException(response.client(), response.host(), "upstream_bad_response",
                        "response body (" + bytes.length + " bytes, status " + response.status()
                                + ") is not JSON of type " + type.getRawClass().getSimpleName() + ": "
                                + problem(e), null);
            } catch (java.io.IOException e) {
                throw new ResponseFormatException(response.client(), response.host(), "upstream_bad_response",
                        "response body could not be read", e);
            }
        }
    }
}
