package dev.weft.db;

import java.util.List;
import java.util.Objects;

/**
 * Many rows into one table, in one transaction. On PostgreSQL it streams the rows through {@code COPY ... FROM
 * STDIN} (CSV), unless {@link #copy(boolean)} turns that off; elsewhere it sends batched INSERTs of
 * {@link #chunkSize(int)} rows. Rows are read lazily from the iterable, so memory stays flat.
 *
 * <p>Not thread-safe.
 */
public final class BulkInsert {
    /** Default {@link #chunkSize(int)}. */
    public static final int DEFAULT_CHUNK_SIZE = 1000;

    private final BatchWrites batches;
    private final Connections connections;
    private final String table;
    private final List<String> columns;
    private final Iterable<? extends List<?>> rows;
    private int chunkSize = DEFAULT_CHUNK_SIZE;
    private boolean copy = true;

    BulkInsert(BatchWrites batches, Connections connections, String table, List<String> columns,
            Iterable<? extends List<?>> rows) {
        this.batches = batches;
        this.connections = connections;
        this.table = Objects.requireNonNull(table, "table");
        this.columns = List.copyOf(columns);
        this.rows = Objects.requireNonNull(rows, "rows");
    }

    /**
     * @param size rows per batch round trip (ignored by COPY)
     * @return this
     */
    public BulkInsert chunkSize(int size) {
        if (size < 1) {
            throw new dev.weft.core.InvalidInputException("invalid_chunk_size", "chunkSize", "chunk size must be >= 1");
        }
        this.chunkSize = size;
        return this;
    }

    /**
     * @param enabled whether to use COPY where the database has it (PostgreSQL); on by default
     * @return this
     */
    public BulkInsert copy(boolean enabled) {
        this.copy = enabled;
        return this;
    }

    /**
     * @return rows inserted
     * @throws dev.weft.core.InvalidInputException for an invalid identifier, a row of the wrong width or a value
     *     weft cannot send; the transaction is rolled back and nothing is inserted
     */
    public long execute() {
        return batches.bulkInsert(connections, table, columns, rows, chunkSize, copy);
    }
}
