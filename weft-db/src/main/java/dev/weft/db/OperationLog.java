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
    private volatile boolean closed;

    OperationLog(String database, QueryRecorder recorder) {
        this.database = database;
        this.recorder = recorder;
    }

    /**
     * @throws DatabaseUnavailableException if the database is closed
     */
    Operation begin(String type, String sql) {
        if (closed) {
            throw new DatabaseUnavailableException("database '" + database + "' is closed", null, null);
        }
        return new Operation(type, sql);
    }

    void succeeded(Operation operation, long rows) {
        recorder.record(operation.id, operation.type, operation.sql, operation.start, rows, null, false);
        LOG.atDebug().setMessage("database operation")
                .addKeyValue("database", database).addKeyValue("query_id", () -> QueryRecorder.label(operation.id))
                .addKeyValue("operation", operation.type).addKeyValue("rows", rows)
                .addKeyValue("duration_ms", (System.nanoTime() - operation.start) / 1_000_000.0)
                .addKeyValue("outcome", "success").log();
    }

    /** @return {@code error}, so that callers can {@code throw log.failed(operation, e)} */
    RuntimeException failed(Operation operation, RuntimeException error) {
        String code = error instanceof WeftException weft ? weft.code() : "internal_error";
        recorder.record(operation.id, operation.type, operation.sql, operation.start, 0, code,
                error instanceof QueryTimeoutException);
        LOG.atDebug().setMessage("database operation failed")
                .addKeyValue("database", database).addKeyValue("query_id", () -> QueryRecorder.label(operation.id))
                .addKeyValue("operation", operation.type).addKeyValue("error_code", code)
                .addKeyValue("duration_ms", (System.nanoTime() - operation.start) / 1_000_000.0)
                .addKeyValue("outcome", "error").log();
        return error;
    }

    QueryRecorder recorder() {
        return recorder;
    }

    void close() {
        closed = true;
    }
}
