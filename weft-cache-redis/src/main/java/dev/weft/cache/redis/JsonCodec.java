package dev.weft.cache.redis;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.weft.cache.TypeRef;
import dev.weft.core.InvalidInputException;
import java.io.IOException;
import java.lang.reflect.Type;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * JSON for cached values: Jackson with java.time as ISO-8601 text and {@code Optional} (and the other JDK 8 types) as
 * their content or {@code null}, as a local cache would hold them. Thread-safe.
 */
final class JsonCodec {
    private final ObjectMapper mapper = new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .registerModule(new Jdk8Module())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    private final ConcurrentHashMap<Type, JavaType> types = new ConcurrentHashMap<>();

    /**
     * @param value a value
     * @param key its key, for the message
     * @return its JSON bytes
     * @throws InvalidInputException if Jackson cannot serialize it
     */
    byte[] encode(Object value, String key) {
        try {
            return mapper.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new InvalidInputException("unserializable_value", "value", "the value for cache key of "
                    + key.length() + " chars cannot be serialized as JSON: " + e.getOriginalMessage(), e);
        }
    }

    /**
     * @param json JSON bytes
     * @param offset where the JSON starts
     * @param type the type to read
     * @param <T> the type
     * @return the value, or empty if the JSON does not fit the type (a changed class is a miss, not an error)
     */
    <T> Optional<T> decode(byte[] json, int offset, TypeRef<T> type) {
        try {
            JavaType javaType = types.computeIfAbsent(type.type(), mapper::constructType);
            return Optional.ofNullable(mapper.readValue(json, offset, json.length - offset, javaType));
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
