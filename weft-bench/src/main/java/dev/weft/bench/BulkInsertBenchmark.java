package dev.weft.bench;

import dev.weft.db.Database;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@code rows} rows (default 1,000,000) into an empty table, one call each: weft's COPY path against its batched
 * INSERT path (chunks of 1,000; pgjdbc rewrites each chunk to multi-row INSERTs). Single-shot: each iteration
 * truncates the table first and checks the row count after. Rows come from {@link BenchRows#lazy(long)}, made as
 * they are read; the fork runs with {@code -Xmx128m}, which 1,000,000 materialised rows would not fit.
 *
 * <p>The table ({@value #TABLE}) is UNLOGGED, without index and without autovacuum, so the figure is weft plus
 * the server's table writes, not the disk's WAL speed. The runner script loads the same rows with
 * {@code psql \copy} into the same table for the reference figure.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = "-Xmx128m")
@Warmup(iterations = 1)
@Measurement(iterations = 3)
@State(Scope.Benchmark)
public class BulkInsertBenchmark {
    static final String TABLE = "bench_bulk";

    /** Rows per insert. */
    @Param("1000000")
    public long rows;

    private Database db;

    /** @throws SQLException if the table cannot be created */
    @Setup(Level.Trial)
    public void open() throws SQLException {
        try (Connection connection = BenchConfig.connect()) {
            BenchRows.createTable(connection, TABLE, true);
        }
        // one connection is all a bulk insert uses; a generous statement timeout for the single COPY statement
        db = Database.create(BenchConfig.weft("bench-bulk", 1, Duration.ofMinutes(10)));
    }

    /** Empties the table before each insert. */
    @Setup(Level.Iteration)
    public void truncate() {
        db.execute("TRUNCATE " + TABLE);
    }

    /** @throws SQLException if the count cannot be read */
    @TearDown(Level.Iteration)
    public void checkCount() throws SQLException {
        try (Connection connection = BenchConfig.connect()) {
            long count = BenchRows.queryLong(connection, "SELECT count(*) FROM " + TABLE);
            if (count != rows) {
                throw new IllegalStateException(TABLE + " holds " + count + " rows after inserting " + rows);
            }
        }
    }

    /** Closes the pool. */
    @TearDown(Level.Trial)
    public void close() {
        db.close();
    }

    /** @return rows inserted */
    @Benchmark
    public long copy() {
        return db.bulkInsert(TABLE, BenchRows.COLUMNS, BenchRows.lazy(rows)).copy(true).execute();
    }

    /** @return rows inserted */
    @Benchmark
    public long batch() {
        return db.bulkInsert(TABLE, BenchRows.COLUMNS, BenchRows.lazy(rows)).copy(false).chunkSize(1000).execute();
    }
}
