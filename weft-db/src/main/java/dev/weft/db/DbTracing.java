package dev.weft.db;

import dev.weft.core.WeftException;
import dev.weft.db.internal.SqlTables;
import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * The database's OpenTelemetry spans: one CLIENT span per operation (query, execute, stream, batch, write, the
 * key batch), named {@code SELECT users} (operation and table when the SQL shows one table), with the database
 * semantic conventions ({@code db.system.name}, {@code db.operation.name}, {@code db.query.text} as the statement
 * with its placeholders, {@code db.namespace}, {@code server.*}) and the older {@code db.system}/{@code db.operation}
 * names; an INTERNAL span {@code transaction} around a transaction's statements.
 *
 * <p>A span is made only when the current context holds a valid span: a health probe, a lease check or background
 * work outside any trace makes no root span, and with no SDK the cost of an operation is one {@code ThreadLocal}
 * read. No bound value reaches a span: the text is the statement weft prepared (placeholders, never values), and a
 * failure sets status ERROR and {@code error.type} (the exception's class) without its message. Thread-safe.
 */
final class DbTracing {
    static final String INSTRUMENTATION = "dev.weft.db";
    static final AttributeKey<String> SYSTEM_NAME = AttributeKey.stringKey("db.system.name");
    static final AttributeKey<String> SYSTEM = AttributeKey.stringKey("db.system");
    static final AttributeKey<String> OPERATION_NAME = AttributeKey.stringKey("db.operation.name");
    static final AttributeKey<String> OPERATION = AttributeKey.stringKey("db.operation");
    static final AttributeKey<String> COLLECTION = AttributeKey.stringKey("db.collection.name");
    static final AttributeKey<String> QUERY_TEXT = AttributeKey.stringKey("db.query.text");
    static final AttributeKey<String> NAMESPACE = AttributeKey.stringKey("db.namespace");
    static final AttributeKey<String> SERVER_ADDRESS = AttributeKey.stringKey("server.address");
    static final AttributeKey<Long> SERVER_PORT = AttributeKey.longKey("server.port");
    static final AttributeKey<Long> RESPONSE_ROWS = AttributeKey.longKey("db.response.returned_rows");
    static final AttributeKey<String> RESPONSE_STATUS = AttributeKey.stringKey("db.response.status_code");
    static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");
    static final AttributeKey<String> ERROR_CODE = AttributeKey.stringKey("weft.error.code");
    static final AttributeKey<String> WEFT_OPERATION = AttributeKey.stringKey("weft.db.operation");
    static final AttributeKey<Long> BATCH_SIZE = AttributeKey.longKey("weft.db.batch.size");
    static final String TRANSACTION = "transaction";
    static final String POOL_WAIT = "weft.db.pool.wait";
    static final AttributeKey<Double> POOL_WAIT_MS = AttributeKey.doubleKey("weft.db.pool.wait_ms");
    private static final long POOL_WAIT_EVENT_NANOS = 1_000_000;

    /** Statement shapes already named; bounded, since an application's SQL texts are few but not provably so. */
    private static final int SHAPES_LIMIT = 1_000;

    /** What a statement's span is called and which table it names, worked out once per SQL text. */
    private record Shape(String operation, @Nullable String collection) {
        String spanName() {
            return collection == null ? operation : operation + " " + collection;
        }
    }

    private final Tracer tracer;
    private final Attributes common;
    private final boolean mysqlFamily;
    private final ConcurrentHashMap<String, Shape> shapes = new ConcurrentHashMap<>();

    DbTracing(OpenTelemetry openTelemetry, DatabaseConfig config) {
        this.tracer = openTelemetry.getTracer(INSTRUMENTATION);
        this.mysqlFamily = config.type() == DatabaseType.MYSQL || config.type() == DatabaseType.MARIADB;
        String system = config.type().name().toLowerCase(Locale.ROOT);
        AttributesBuilder attributes = Attributes.builder().put(SYSTEM_NAME, system).put(SYSTEM, system)
                .put(NAMESPACE, config.database());
        if (config.type() != DatabaseType.SQLITE && !config.host().isEmpty()) {
            attributes.put(SERVER_ADDRESS, config.host()).put(SERVER_PORT, (long) config.port());
        }
        this.common = attributes.build();
    }

    /**
     * The instance a builder uses when none was given: the global one if an SDK registered it, else the no-op. Never
     * calls {@link GlobalOpenTelemetry#get()} when nothing is set, since that would freeze the global to the no-op
     * and make a later {@code set} throw.
     */
    static OpenTelemetry defaultInstance() {
        return GlobalOpenTelemetry.isSet() ? GlobalOpenTelemetry.get() : OpenTelemetry.noop();
    }

    /**
     * Starts the span of an operation, or returns {@code null} outside a trace.
     *
     * @param type weft's operation type ({@code query}, {@code execute}, {@code insert}, {@code transaction}, ...)
     * @param sql the statement with its placeholders
     */
    @Nullable Span start(String type, String sql) {
        if (!Span.current().getSpanContext().isValid()) {
            return null;
        }
        if (type.equals(TRANSACTION)) {
            return tracer.spanBuilder(TRANSACTION).setSpanKind(SpanKind.INTERNAL).setAllAttributes(common)
                    .setAttribute(WEFT_OPERATION, type).startSpan();
        }
        Shape shape = shape(sql);
        SpanBuilder span = tracer.spanBuilder(shape.spanName()).setSpanKind(SpanKind.CLIENT)
                .setAllAttributes(common)
                .setAttribute(OPERATION_NAME, shape.operation())
                .setAttribute(OPERATION, shape.operation())
                .setAttribute(QUERY_TEXT, sql)
                .setAttribute(WEFT_OPERATION, type);
        String collection = shape.collection();
        if (collection != null) {
            span.setAttribute(COLLECTION, collection);
        }
        return span.startSpan();
    }

    /**
     * Starts the INTERNAL span of a {@link KeyedReader} caller that joined a batch another thread sends, or returns
     * {@code null} outside a trace.
     */
    @Nullable Span startBatchWait(String table) {
        if (!Span.current().getSpanContext().isValid()) {
            return null;
        }
        return tracer.spanBuilder("keyed read " + table).setSpanKind(SpanKind.INTERNAL).setAllAttributes(common)
                .setAttribute(COLLECTION, table).setAttribute(WEFT_OPERATION, "keyed_batch_wait").startSpan();
    }

    /**
     * Notes on an operation's span that it waited for a connection (or SQLite's writer turn): an event
     * {@code weft.db.pool.wait} with {@code weft.db.pool.wait_ms}, only for a wait of a millisecond or more, so an
     * idle pool adds nothing.
     */
    static void waited(Span span, long nanos) {
        if (nanos >= POOL_WAIT_EVENT_NANOS) {
            span.addEvent(POOL_WAIT, Attributes.of(POOL_WAIT_MS, nanos / 1_000_000.0));
        }
    }

    /** Ends a span with the rows the operation returned or changed. */
    static void succeeded(@Nullable Span span, long rows, String type) {
        if (span == null) {
            return;
        }
        if (!type.equals(TRANSACTION)) {
            span.setAttribute(RESPONSE_ROWS, rows);
        }
        span.end();
    }

    /** Ends a span as failed: the exception's class and weft code, never its message (it may quote values). */
    static void failed(@Nullable Span span, Throwable error) {
        if (span == null) {
            return;
        }
        Throwable named = error.getClass() == RuntimeException.class && error.getCause() != null
                ? error.getCause() : error; // a transaction's checked exception arrives wrapped
        span.setStatus(StatusCode.ERROR);
        span.setAttribute(ERROR_TYPE, named.getClass().getName());
        if (named instanceof WeftException weft) {
            span.setAttribute(ERROR_CODE, weft.code());
        }
        if (named instanceof DatabaseException database) {
            database.sqlState().ifPresent(state -> span.setAttribute(RESPONSE_STATUS, state));
        }
        span.end();
    }

    private Shape shape(String sql) {
        Shape known = shapes.get(sql);
        if (known != null) {
            return known;
        }
        Shape shape = new Shape(operationOf(sql), collectionOf(sql));
        if (shapes.size() < SHAPES_LIMIT) {
            shapes.putIfAbsent(sql, shape);
        }
        return shape;
    }

    /** The statement's first keyword, upper case ({@code SELECT}, {@code INSERT}, {@code COPY}). */
    static String operationOf(String sql) {
        int start = 0;
        while (start < sql.length() && (Character.isWhitespace(sql.charAt(start)) || sql.charAt(start) == '(')) {
            start++;
        }
        int end = start;
        while (end < sql.length() && Character.isLetter(sql.charAt(end))) {
            end++;
        }
        return end == start ? "SQL" : sql.substring(start, end).toUpperCase(Locale.ROOT);
    }

    private @Nullable String collectionOf(String sql) {
        try {
            Optional<String> written = SqlTables.writeTarget(sql, mysqlFamily);
            if (written.isPresent()) {
                return written.get();
            }
            Optional<Set<String>> read = SqlTables.readTables(sql, mysqlFamily);
            return read.isPresent() && read.get().size() == 1 ? read.get().iterator().next() : null;
        } catch (RuntimeException unusual) {
            return null; // a name is a nicety: SQL the lexer does not follow gets the operation alone
        }
    }
}
