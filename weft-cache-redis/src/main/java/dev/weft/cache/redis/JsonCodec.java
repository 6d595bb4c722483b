package dev.weft.cache.redis;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.exc.InvalidDefinitionException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.weft.cache.TypeRef;
import dev.weft.core.InvalidInputException;
import java.io.IOException;
import java.lang.reflect.Type;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * JSON for cached values: Jackson with java.time as ISO-8601 text and {@code Optional} (and the other JDK 8 types) as
 * their content or {@code null}, as a local cache would hold them. A value is refused at write when its JSON cannot
 * be read back as its class (checked once per class, with the first value of it); a read that fails is reported to
 * the cache's {@link UnreadableEntries}. Thread-safe.
 */
final class JsonCodec {
    private final ObjectMapper mapper = JsonMapper.builder()
            .addModule(new JavaTimeModule())
            .addModule(new Jdk8Module())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            // Jackson writes NaN and the infinities as bare tokens; without this it could not read them back.
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .build();
    private final ConcurrentHashMap<Type, JavaType> types = new ConcurrentHashMap<>();
    /** Classes whose values were read back once: one decode per class, not per write. */
    private final ClassValue<AtomicBoolean> readBack = new ClassValue<>() {
        @Override
        protected AtomicBoolean computeValue(Class<?> type) {
            return new AtomicBoolean();
        }
    };

    /**
     * @param value a value
     * @param cacheName the cache it is written to, for the message
     * @param key its key, for the message (only its length is shown)
     * @return its JSON bytes
     * @throws InvalidInputException if Jackson cannot serialize it, or cannot read what it wrote back as the value's
     *     class (a class without a creator Jackson can use, say, which it writes as {@code {}})
     */
    byte[] encode(Object value, String cacheName, String key) {
        byte[] json;
        try {
            json = mapper.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new InvalidInputException("unserializable_value", "value", "cache '" + cacheName + "': the value for"
                    + " cache key of " + key.length() + " chars cannot be serialized as JSON: " + e.getOriginalMessage(),
                    e);
        }
        AtomicBoolean checked = readBack.get(value.getClass());
        if (!checked.get()) {
            readBack(value, json, cacheName, key);
            checked.set(true);
        }
        return json;
    }

    /** Reads {@code json} as the class a reader of {@code value} would ask for, or refuses the value. */
    private void readBack(Object value, byte[] json, String cacheName, String key) {
        // A Map or Collection is read through its interface (JDK classes such as List.of's have no public creator);
        // an enum constant with a body is an anonymous subclass of its enum.
        Class<?> type = value instanceof Map<?, ?> ? Map.class
                : value instanceof Collection<?> ? Collection.class
                : value instanceof Enum<?> constant ? constant.getDeclaringClass()
                : value.getClass();
        try {
            mapper.readValue(json, type);
        } catch (IOException e) {
            throw new InvalidInputException("unreadable_value", "value", "cache '" + cacheName + "': the value for"
                    + " cache key of " + key.length() + " chars, of type " + value.getClass().getName()
                    + ", is written as JSON that cannot be read back as that type (" + reason(e) + "); give the type a"
                    + " constructor Jackson can use (a record, or @JsonCreator) and accessors for its fields", e);
        }
    }

    /**
     * @param failure why Jackson could not read a value
     * @return a reason safe to show: a definition problem names only the type, while other messages may quote the
     *     value's content, so only their kind is given
     */
    static String reason(IOException failure) {
        return failure instanceof InvalidDefinitionException definition ? definition.getOriginalMessage()
                : failure.getClass().getSimpleName();
    }

    /**
     * @param json JSON bytes
     * @param offset where the JSON starts
     * @param type the type to read
     * @param unreadable told of a failure to read (a changed class, a type JSON cannot rebuild)
     * @param <T> the type
     * @return the value, or empty if the JSON does not fit the type (a changed class is a miss, not an error)
     */
    <T> Optional<T> decode(byte[] json, int offset, TypeRef<T> type, UnreadableEntries unreadable) {
        try {
            JavaType javaType = types.computeIfAbsent(type.type(), mapper::constructType);
            return Optional.ofNullable(mapper.readValue(json, offset, json.length - offset, javaType));
        } catch (IOException e) {
            unreadable.record(type.type(), e);
            return Optional.empty();
        }
    }
}
