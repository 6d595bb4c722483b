package dev.weft.db;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One statement run once per parameter map, sent in chunks of {@link #chunkSize(int)}, all in one transaction:
 * either every row is written or none is.
 *
 * <p>Not thread-safe.
 */
public final class Batch {
    /** Default {@link #chunkSize(int)}. */
    public static final int DEFAULT_CHUNK_SIZE = 500;

    private final BatchWrites batches;
    private final Connections connections;
    private final String sql;
    private final List<? extends Map<String, ?>> rows;
    private int chunkSize = DEFAULT_CHUNK_SIZE;

    Batch(BatchWrites batches, Connections connections, String sql, List<? extends Map<String, ?>> rows) {
        this.batches = batches;
        this.connections = connections;
        this.sql = Objects.requireNonNull(sql, "sql");
        this.rows = Objects.requireNonNull(rows, "rows");
    }

    /**
     * @param size executions per round trip, at least 1
     * @return this
     */
    public Batch chunkSize(int size) {
        if (size < 1) {
            throw new dev.weft.core.InvalidInputException("invalid_chunk_size", "chunkSize", "chunk size must be >= 1");
        }
        this.chunkSize = size;
        return this;
    }

    /**
     * @return rows affected; an execution the driver reports as done without a count counts as one
     * @throws dev.weft.core.InvalidInputException if a row misses or adds a parameter (nothing is sent)
     */
    public long execute() {
        return batches.batch(connections, sql, rows, chunkSize);
    }
}
