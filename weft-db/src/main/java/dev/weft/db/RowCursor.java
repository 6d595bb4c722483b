package dev.weft.db;

import dev.weft.db.internal.Dialect;
import dev.weft.db.internal.RowMappers;
import dev.weft.db.internal.ValueBinder;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * A server-side cursor read one row at a time (PostgreSQL: a portal inside a transaction; MariaDB/MySQL: a streaming
 * result set); gives its borrowed connection back when exhausted or closed, and records the operation then.
 * Confined to the thread that reads the stream.
 */
final class RowCursor<T> extends Spliterators.AbstractSpliterator<T> {
    private final StatementRunner runner;
    private final Operation operation;
    private final Connections.Borrowed borrowed;
    private @Nullable PreparedStatement statement;
    private @Nullable ResultSet result;
    private @Nullable RowMapper<T> mapper;
    private boolean autoCommitChanged;
    private boolean timeoutLifted;
    private long rows;
    private boolean closed;
    private @Nullable Throwable failure;

    RowCursor(StatementRunner runner, Operation operation, Connections.Borrowed borrowed) {
        super(Long.MAX_VALUE, Spliterator.ORDERED | Spliterator.NONNULL);
        this.runner = runner;
        this.operation = operation;
        this.borrowed = borrowed;
    }

    void open(StatementSpec spec, RowMapper<T> rowMapper) throws SQLException {
        Dialect dialect = runner.dialect();
        Connection connection = borrowed.connection();
        if (dialect.streamingNeedsTransaction() && connection.getAutoCommit()) {
            connection.setAutoCommit(false);
            autoCommitChanged = true;
        }
        Duration lifted = spec.sessionTimeout();
        if (lifted != null) {
            // a stream that asked for a longer timeout lifts the session's until it closes
            runner.timeouts().lift(connection, lifted);
            timeoutLifted = true;
        }
        PreparedStatement opened = connection.prepareStatement(spec.sql().jdbcSql(), ResultSet.TYPE_FORWARD_ONLY,
                ResultSet.CONCUR_READ_ONLY);
        statement = opened;
        dialect.configureStreaming(connection, opened, spec.fetchSize() > 0 ? spec.fetchSize() : Batch.DEFAULT_CHUNK_SIZE);
        ValueBinder.bindAll(opened, spec.sql(), spec.params(), dialect);
        ResultSet rowsRead = runner.watched(opened, spec.timeout(), operation, opened::executeQuery);
        result = rowsRead;
        mapper = RowMappers.bind(rowMapper, rowsRead);
    }

    @Override
    public boolean tryAdvance(Consumer<? super T> action) {
        ResultSet open = result;
        RowMapper<T> rowMapper = mapper;
        if (closed || open == null || rowMapper == null) {
            return false;
        }
        try {
            borrowed.checkUsable();
        } catch (DatabaseException notOurs) {
            // a transaction's stream read after the transaction ended: its connection may be another caller's now,
            // so nothing on it is touched, not even to close the result set
            closed = true;
            failure = notOurs;
            throw notOurs;
        }
        try {
            if (!open.next()) {
                close();
                return false;
            }
            rows++;
            action.accept(rowMapper.map(open));
            return true;
        } catch (SQLException e) {
            DatabaseException translated = runner.errors().translate(e, operation);
            failure = translated;
            close();
            throw translated;
        } catch (RuntimeException | Error e) {
            if (e instanceof Error) {
                operation.broken = true; // an OutOfMemoryError mid-row leaves the connection's protocol unknown
            }
            failure = e;
            close();
            throw e;
        }
    }

    void closeQuietly(Throwable cause) {
        failure = cause;
        close();
    }

    void close() {
        if (closed) {
            return;
        }
        closed = true;
        boolean broken = operation.broken;
        try {
            if (result != null) {
                result.close();
            }
            if (statement != null) {
                statement.close();
            }
            if (autoCommitChanged) {
                Connection connection = borrowed.connection();
                connection.rollback(); // read-only cursor: nothing to keep; also ends an aborted transaction
                connection.setAutoCommit(true);
                autoCommitChanged = false;
            }
            if (timeoutLifted) {
                runner.timeouts().restore(borrowed.connection());
            }
        } catch (SQLException e) {
            broken = true;
        } finally {
            borrowed.release(broken);
        }
        if (failure == null) {
            runner.log().succeeded(operation, rows);
        } else if (failure instanceof RuntimeException runtime) {
            runner.log().failed(operation, runtime);
        }
    }
}
