package dev.weft.service;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Collection;
import java.util.Map;

/**
 * Writes a document built of maps, lists and plain values (strings, integers, doubles, booleans, nulls) with the
 * mapper's generator directly, one {@code instanceof} per value, where databind would look up a serializer for every
 * map, list and value. The bytes are those {@link ObjectMapper#writeValueAsBytes} gives: same generator features,
 * same order; a value of any other type (a record, an instant, a map with keys that are not strings) is handed to the
 * mapper where it stands.
 *
 * <p>Made for documents rendered again and again at a low rate (the dashboard's reading every two seconds): the less
 * code such a document runs, the less of it the JIT compiles in the minutes a page is open.
 */
final class PlainJsonWriter {
    private final ObjectMapper mapper;

    PlainJsonWriter(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    /**
     * @param value the document
     * @return its JSON bytes
     */
    byte[] write(Object value) {
        try (ByteArrayBuilder bytes = new ByteArrayBuilder(1024)) {
            // createGenerator applies the mapper's generator and format features, as writeValueAsBytes does
            try (JsonGenerator generator = mapper.createGenerator(bytes, JsonEncoding.UTF8)) {
                write(generator, value);
            }
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write JSON", e);
        }
    }

    private void write(JsonGenerator out, Object value) throws IOException {
        switch (value) {
            case null -> out.writeNull();
            case String text -> out.writeString(text);
            case Long number -> out.writeNumber(number);
            case Integer number -> out.writeNumber(number);
            case Double number -> out.writeNumber(number);
            case Boolean bool -> out.writeBoolean(bool);
            case Map<?, ?> map when stringKeys(map) -> {
                out.writeStartObject(map);
                for (Map.Entry<?, ?> entry : map.entrySet()) {
                    out.writeFieldName((String) entry.getKey());
                    write(out, entry.getValue());
                }
                out.writeEndObject();
            }
            case Collection<?> items -> {
                out.writeStartArray(items, items.size());
                for (Object item : items) {
                    write(out, item);
                }
                out.writeEndArray();
            }
            default -> mapper.writeValue(out, value);
        }
    }

    private static boolean stringKeys(Map<?, ?> map) {
        for (Object key : map.keySet()) {
            if (!(key instanceof String)) {
                return false;
            }
        }
        return true;
    }
}
