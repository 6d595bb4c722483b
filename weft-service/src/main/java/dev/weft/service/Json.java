package dev.weft.service;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.core.exc.InputCoercionException;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.type.LogicalType;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import com.fasterxml.jackson.module.blackbird.BlackbirdModule;
import dev.weft.core.WeftException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The service's one JSON mapper: snake_case names, records, RFC 3339 instants, strict reading (unknown fields,
 * duplicate keys, strings for numbers, fractions for integers and trailing tokens are errors), and the mapping of
 * every reading failure to a 400 problem that names the field.
 *
 * <p>Thread-safe.
 */
public final class Json {
    /** The deepest a request body's JSON may nest (arrays and objects). */
    static final int MAX_NESTING = 64;
    /** The longest string a request body's JSON may hold, in characters. */
    static final int MAX_STRING_LENGTH = 2_000_000;
    /** The most characters a request's number may have. */
    static final int MAX_NUMBER_LENGTH = 40;
    /** Room for such a number written back in {@code BigDecimal}'s notation (at most 7 more digits, and a sign). */
    private static final int STORED_NUMBER_LENGTH = 100;
    /**
     * {@link #canonical}'s generators: a bare factory, so the mapper's own settings (plain decimals, indentation)
     * cannot change a form that is compared with forms written before them.
     */
    private static final JsonFactory CANONICAL = JsonFactory.builder()
            .enable(JsonWriteFeature.COMBINE_UNICODE_SURROGATES_IN_UTF8).build();

    private final ObjectMapper mapper;
    private final PlainJsonWriter plain;
    /** {@link #readExact}'s reader: decimals in trees as {@code BigDecimal}, trailing zeros kept. */
    private final ObjectReader exact;
    /**
     * {@link #readTreeExact}'s: the same, with room for longer numbers. A decimal this service took is written back in
     * {@code BigDecimal}'s notation, which may spell it with more digits than it came with ({@code 1.5e-6} is
     * {@code 0.0000015}); the limit on a request's numbers must not refuse what the service wrote itself.
     */
    private final ObjectReader stored;

    private Json(ObjectMapper mapper) {
        this.mapper = mapper;
        this.plain = new PlainJsonWriter(mapper);
        this.exact = exactDecimals(mapper);
        ObjectMapper roomy = new ObjectMapper(com.fasterxml.jackson.core.JsonFactory.builder()
                .streamReadConstraints(StreamReadConstraints.builder().maxNumberLength(STORED_NUMBER_LENGTH)
                        .maxNestingDepth(MAX_NESTING).maxStringLength(MAX_STRING_LENGTH).build())
                .build());
        this.stored = exactDecimals(roomy);
    }

    /** @return a reader of {@code mapper} whose trees keep decimals as written: {@code BigDecimal}, trailing zeros */
    private static ObjectReader exactDecimals(ObjectMapper mapper) {
        return mapper.reader().with(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
                .without(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES);
    }

    /** @return the service's mapper */
    public static Json create() {
        ObjectMapper mapper = JsonMapper.builder()
                .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
                .addModule(new JavaTimeModule())
                .addModule(new com.fasterxml.jackson.databind.module.SimpleModule("weft-instants")
                        .addSerializer(java.time.Instant.class, new IsoInstantSerializer()))
                // Blackbird: accessors called through LambdaMetafactory, not reflection (a third of a row's rendering)
                .addModule(new BlackbirdModule())
                .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
                // a character outside the BMP (an emoji) is written as its UTF-8 bytes, not as two escaped surrogates
                .enable(JsonWriteFeature.COMBINE_UNICODE_SURROGATES_IN_UTF8)
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
                .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
                .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
                .build();
        for (LogicalType type : new LogicalType[] {LogicalType.Textual, LogicalType.Integer, LogicalType.Float,
                LogicalType.Boolean}) {
            mapper.coercionConfigFor(type)
                    .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.String, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.EmptyString, CoercionAction.Fail);
        }
        mapper.coercionConfigFor(LogicalType.Textual).setCoercion(CoercionInputShape.String, CoercionAction.TryConvert);
        mapper.coercionConfigFor(LogicalType.Integer).setCoercion(CoercionInputShape.Integer,
                CoercionAction.TryConvert);
        mapper.coercionConfigFor(LogicalType.Float).setCoercion(CoercionInputShape.Float, CoercionAction.TryConvert)
                .setCoercion(CoercionInputShape.Integer, CoercionAction.TryConvert);
        mapper.coercionConfigFor(LogicalType.Boolean).setCoercion(CoercionInputShape.Boolean,
                CoercionAction.TryConvert);
        mapper.getFactory().setStreamReadConstraints(StreamReadConstraints.builder()
                .maxNumberLength(MAX_NUMBER_LENGTH).maxNestingDepth(MAX_NESTING).maxStringLength(MAX_STRING_LENGTH)
                .build());
        return new Json(mapper);
    }

    /** @return the underlying mapper, for writers that stream */
    public ObjectMapper mapper() {
        return mapper;
    }

    /**
     * @param value a value
     * @return its JSON bytes
     */
    public byte[] write(Object value) {
        try {
            return mapper.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialize " + value.getClass().getName(), e);
        }
    }

    /**
     * The same bytes as {@link #write}, for a document built of maps with string keys, lists, sets, strings, integers,
     * doubles, booleans and nulls (any other value inside is written by the mapper): written with the generator
     * directly, without databind's serializer lookups, which are most of the code a small document rendered every few
     * seconds runs (the dashboard's readings).
     *
     * @param document the document
     * @return its JSON bytes
     */
    public byte[] writePlain(Object document) {
        return plain.write(document);
    }

    /**
     * @param bytes JSON
     * @param type the target type
     * @param <T> the type
     * @return the value
     * @throws ProblemException 400 naming the problem
     */
    public <T> T read(byte[] bytes, Class<T> type) {
        Objects.requireNonNull(type, "type");
        return read(bytes, () -> mapper.readValue(bytes, type));
    }

    /**
     * As {@link #read}, with every number that has a fraction or an exponent in a tree ({@link JsonNode}) kept as
     * written, not rounded to a {@code double}: for values stored and given back as they came ({@code PUT /cache}),
     * where {@code 1e309} became {@code "Infinity"} and {@code 1e-400} became {@code 0.0}.
     *
     * @param bytes JSON
     * @param type the target type
     * @param <T> the type
     * @return the value
     * @throws ProblemException 400 naming the problem
     */
    public <T> T readExact(byte[] bytes, Class<T> type) {
        Objects.requireNonNull(type, "type");
        return read(bytes, () -> exact.forType(type).readValue(bytes));
    }

    /**
     * @param bytes JSON that {@link #readExact} read and this service wrote back
     * @return the tree, its decimals as written
     * @throws ProblemException 400 for malformed JSON
     */
    public JsonNode readTreeExact(byte[] bytes) {
        return read(bytes, () -> stored.readTree(bytes));
    }

    /**
     * An instant as every timestamp of the service is written: RFC 3339 UTC with exactly six fraction digits (what the
     * mapper writes for an {@link java.time.Instant} member), for views that build their text themselves.
     *
     * @param instant the instant
     * @return its text
     */
    public static String timestamp(java.time.Instant instant) {
        return IsoInstantSerializer.format(instant);
    }

    /**
     * The canonical form of a JSON document, so that two requests are compared by what they say and not by how they
     * are spelled: read as {@link #readExact} reads (the same strictness and limits; decimals kept as written, not
     * rounded to a {@code double}), then written without whitespace, every object's names in ascending order (Java's
     * {@link String#compareTo}, i.e. UTF-16 code units), strings with the generator's one escaping, and numbers in
     * their exact form ({@code BigDecimal}'s notation for decimals, so {@code 1.5} and {@code 1.50} stay different
     * and {@code 0.1} never equals {@code 0.10000000000000001}). Array order counts.
     *
     * @param bytes JSON
     * @return its canonical UTF-8 bytes
     * @throws ProblemException 400 for malformed JSON or JSON over the request limits, as {@link #readExact} would
     */
    public byte[] canonical(byte[] bytes) {
        JsonNode tree = read(bytes, () -> exact.readTree(bytes));
        ByteArrayOutputStream out = new ByteArrayOutputStream(bytes.length);
        try (JsonGenerator generator = CANONICAL.createGenerator(out)) {
            writeCanonical(tree, generator);
        } catch (IOException e) {
            throw new UncheckedIOException("writing to memory failed", e);
        }
        return out.toByteArray();
    }

    /** Depth is bounded by the reader's {@link #MAX_NESTING}, so recursion is safe. */
    private static void writeCanonical(JsonNode node, JsonGenerator generator)
            throws IOException {
        switch (node.getNodeType()) {
            case OBJECT -> {
                List<String> names = new ArrayList<>(node.size());
                node.fieldNames().forEachRemaining(names::add);
                names.sort(null);
                generator.writeStartObject();
                for (String name : names) {
                    generator.writeFieldName(name);
                    writeCanonical(node.get(name), generator);
                }
                generator.writeEndObject();
            }
            case ARRAY -> {
                generator.writeStartArray();
                for (JsonNode element : node) {
                    writeCanonical(element, generator);
                }
                generator.writeEndArray();
            }
            case STRING -> generator.writeString(node.textValue());
            // integers as exact integers, decimals as the BigDecimal the exact reader kept (never a double)
            case NUMBER -> {
                if (node.isIntegralNumber()) {
                    generator.writeNumber(node.bigIntegerValue());
                } else {
                    generator.writeNumber(node.decimalValue());
                }
            }
            case BOOLEAN -> generator.writeBoolean(node.booleanValue());
            case NULL -> generator.writeNull();
            default -> throw new IllegalStateException("a parsed JSON tree has no " + node.getNodeType() + " node");
        }
    }

    /** One reading of a body by Jackson. */
    @FunctionalInterface
    private interface Reading<T> {
        @Nullable T read() throws IOException;
    }

    private static <T> T read(byte[] bytes, Reading<T> reading) {
        if (bytes.length == 0) {
            throw ProblemException.of(400, "malformed_json", "the body is empty; a JSON value was expected");
        }
        try {
            T value = reading.read();
            if (value == null) {
                throw ProblemException.of(400, "invalid_body", "the body must be a JSON object");
            }
            return value;
        } catch (IOException e) {
            throw translate(e);
        }
    }

    /**
     * @param bytes JSON
     * @return the tree
     * @throws ProblemException 400 for malformed JSON
     */
    public JsonNode readTree(byte[] bytes) {
        if (bytes.length == 0) {
            throw ProblemException.of(400, "malformed_json", "the body is empty; a JSON value was expected");
        }
        try {
            return mapper.readTree(bytes);
        } catch (IOException e) {
            throw translate(e);
        }
    }

    /**
     * @param limit which of the parser's limits the body passed ({@link #create}): Jackson has one exception type for
     *     all of them and says which in its message
     * @return the problem that names it
     */
    private static WeftException overLimit(StreamConstraintsException limit) {
        String message = String.valueOf(limit.getOriginalMessage());
        if (message.startsWith("Document nesting depth")) {
            return ProblemException.of(400, "invalid_body", "the body is nested more than " + MAX_NESTING
                    + " levels deep");
        }
        if (message.startsWith("String value length")) {
            return ProblemException.of(400, "invalid_body", "a string in the body is longer than "
                    + MAX_STRING_LENGTH + " characters");
        }
        if (message.startsWith("Name length")) {
            return ProblemException.of(400, "invalid_body", "a field name in the body is too long");
        }
        return ProblemException.of(400, "number_out_of_range", "a number is too large or too long");
    }

    static WeftException translate(IOException failure) {
        if (failure instanceof ValueInstantiationException instantiation
                && instantiation.getCause() instanceof ProblemException invalid) {
            return prefixed(invalid, path(instantiation, true));
        }
        if (failure instanceof JsonMappingException mapping && mapping.getCause() instanceof ProblemException invalid) {
            return prefixed(invalid, path(mapping, true));
        }
        if (failure instanceof UnrecognizedPropertyException unknown) {
            String field = path(unknown, false);
            return ProblemException.invalid("unknown_field", "unknown field '" + field + "'",
                    List.of(new ProblemException.FieldError(field, "unknown field")));
        }
        StreamConstraintsException limit = failure instanceof StreamConstraintsException direct ? direct
                : failure.getCause() instanceof StreamConstraintsException wrapped ? wrapped : null;
        if (limit != null) {
            return overLimit(limit);
        }
        if (failure instanceof InputCoercionException) {
            return ProblemException.of(400, "number_out_of_range", "a number is too large or too long");
        }
        if (failure instanceof MismatchedInputException mismatch) {
            String field = path(mismatch, false);
            if (mismatch.getCause() instanceof InputCoercionException) {
                return ProblemException.invalid("number_out_of_range", field + ": number out of range",
                        List.of(new ProblemException.FieldError(field, "number out of range")));
            }
            String message = field.isEmpty() ? "the body has the wrong JSON type" : "wrong type";
            return ProblemException.invalid("invalid_type", field.isEmpty() ? message : field + ": " + message,
                    field.isEmpty() ? List.of() : List.of(new ProblemException.FieldError(field, message)));
        }
        if (failure instanceof JsonMappingException mapping && mapping.getCause() instanceof InputCoercionException) {
            return ProblemException.of(400, "number_out_of_range", "a number is out of range");
        }
        if (failure instanceof JsonParseException parse && parse.getOriginalMessage() != null
                && parse.getOriginalMessage().startsWith("Duplicate field")
                && parse.getProcessor() instanceof JsonParser parser
                && parser.getParsingContext().getCurrentName() != null) {
            // Jackson's duplicate detection has no exception type of its own; the parser stands on the field
            String name = parser.getParsingContext().getCurrentName();
            String field = name.length() <= 100 ? name : name.substring(0, 100) + "…";
            return ProblemException.invalid("malformed_json", "the field '" + field + "' is given more than once",
                    List.of(new ProblemException.FieldError(field, "given more than once")));
        }
        if (failure instanceof JsonProcessingException) {
            return ProblemException.of(400, "malformed_json", "the body is not valid JSON");
        }
        return ProblemException.of(400, "malformed_json", "the body could not be read");
    }

    private static ProblemException prefixed(ProblemException invalid, String prefix) {
        if (prefix.isEmpty()) {
            return invalid;
        }
        List<ProblemException.FieldError> errors = new ArrayList<>();
        for (ProblemException.FieldError error : invalid.errors()) {
            errors.add(new ProblemException.FieldError(prefix + "." + error.field(), error.message()));
        }
        return ProblemException.invalid(invalid.code(), prefix + ": " + invalid.getMessage(), errors);
    }

    /** The JSON path of a failure: {@code users[3].email}; without the last property when {@code parentOnly}. */
    private static String path(JsonMappingException failure, boolean parentOnly) {
        StringBuilder out = new StringBuilder();
        List<JsonMappingException.Reference> references = failure.getPath();
        int end = references.size();
        if (parentOnly && end > 0 && references.get(end - 1).getFieldName() != null) {
            end--;
        }
        for (int i = 0; i < end; i++) {
            JsonMappingException.Reference reference = references.get(i);
            if (reference.getFieldName() != null) {
                if (!out.isEmpty()) {
                    out.append('.');
                }
                out.append(reference.getFieldName());
            } else if (reference.getIndex() >= 0) {
                out.append('[').append(reference.getIndex()).append(']');
            }
        }
        return out.toString();
    }
}
