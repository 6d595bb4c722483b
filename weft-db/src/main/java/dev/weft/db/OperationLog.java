package dev.weft.db;

import dev.weft.core.WeftException;
import dev.weft.db.internal.QueryRecorder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where every operation starts and ends: refuses new ones once the database is closed, and records each outcome in
 * the query metrics and a DEBUG line. Thread-safe.
 */
final class OperationLog {
    private static final Logger LOG = LoggerFactory.getLogger(Database.class);

    private final String database;
    private final QueryRecorder recorder;
    private final DbTracing tracing;
    private volatile boolean closed;

    OperationLog(String database, QueryRecorder recorder, DbTracing tracing) {
        this.database = database;
        this.recorder = recorder;
        this.tracing = tracing;
    }

    /**
     * @throws DatabaseUnavailableException if the database is closed
     */
    Operation begin(String type, String sql) {
        if (closed) {
            throw new DatabaseUnavailableException("database '" + database + "' is closed", null, null);
        }
        Operation operation = new Operation(type, sql, tracing.start(type, sql));
        if (operation.span != null && type.equals(DbTracing.TRANSACTION)) {
            // the transaction's statements run on this thread inside the callback: their spans nest under it
            operation.scope = operation.span.makeCurrent();
        }
        return operation;
    }

    /** Marks the batch of keys an operation reads (a {@link KeyedReader} batch) on its span. */
    void batchSize(Operation operation, int keys) {
        if (operation.span != null) {
            operation.span.setAttribute(DbTracing.BATCH_SIZE, (long) keys);
        }
    }

    private static void closeScope(Operation operation) {
        if (operation.scope != null) {
            operation.scope.close();
            operation.scope = null;
        }
    }

    void succeeded(Operation operation, long rows) {
        closeScope(operation);
        DbTracing.succeeded(operation.span, rows, operation.type);
        recorder.record(operation.id, operation.type, operation.sql, operation.start, rows, null, false);
        LOG.atDebug().setMessage("database operation")
                .addKeyValue("database", database).addKeyValue("query_id", () -> QueryRecorder.label(operation.id))
                .addKeyValue("operation", operation.type).addKeyValue("rows", rows)
                .addKeyValue("duration_ms", (System.nanoTime() - operation.start) / 1_000_000.0)
                .addKeyValue("outcome", "success").log();
    }

    /** @return {@code error}, so that callers can {@code throw log.failed(operation, e)} */
    RuntimeException failed(Operation operation, RuntimeException error) {
        closeScope(operation);
        DbTracing.failed(operation.span, error);
        String code = error instanceof WeftException weft ? weft.code() : "internal_error";
        recorder.record(operation.id, operation.type, operation.sql, operation.start, 0, code,
                error instanceof QueryTimeoutException);
        LOG.atDebug().setMessage("database operation failed")
                .addKeyValue("database", database).addKeyValue("query_id", () -> QueryRecorder.label(operation.id))
                .addKeyValue("operation", operation.type).addKeyValue("error.code", code)
                .addKeyValue("duration_ms", (System.nanoTime() - operation.start) / 1_000_000.0)
                .addKeyValue("outcome", "error").log();
        return error;
    }

    DbTracing tracing() {
        return tracing;
    }

    QueryRecorder recorder() {
        return recorder;
    }

    void close() {
        closed = true;
    }
}
