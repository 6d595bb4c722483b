package dev.weft.bench;

import com.zaxxer.hikari.HikariDataSource;
import dev.weft.db.Database;
import dev.weft.db.DatabaseConfig;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One row by primary key from a 10,000-row table, random ids, {@value #THREADS} threads: weft's shortcut
 * ({@code db.query(sql, Map.of("id", id), BenchRow.class)}) against a hand-written PreparedStatement.
 *
 * <p>Pools: weft's HikariCP pool is internal, so the raw side gets its own {@link HikariDataSource} built with the
 * same settings ({@link BenchConfig#hikariLike(DatabaseConfig)}), and both pools have {@value #POOL_SIZE}
 * connections, one per benchmark thread. Each benchmark method only instantiates its own state, so a run of one
 * side never has the other side's connections open. Both sides send the same SQL text, so pgjdbc switches both to
 * a server-side prepared statement after the same number of uses.
 *
 * <p>{@code weft} and {@code jdbc} run one after the other, each with all {@value #THREADS} threads: the figures the
 * ratio is taken from. On a shared machine a burst of other work during one of them skews that ratio, so the
 * {@code sideBySide} group runs both at once ({@value #GROUP_THREADS} threads each, same two pools), which exposes
 * them to the same interference: its two per-method scores are a control, not a figure to quote alone (each side
 * has half the threads and shares the CPU with the other).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Threads(SelectByIdBenchmark.THREADS)
@Fork(1)
@Warmup(iterations = 2, time = 5)
@Measurement(iterations = 3, time = 5)
public class SelectByIdBenchmark {
    static final int THREADS = 4;
    static final int POOL_SIZE = THREADS;
    static final int GROUP_THREADS = THREADS / 2;
    static final int ROWS = 10_000;
    static final String TABLE = "bench_select";
    static final String WEFT_SQL = "SELECT id, name, amount, created_at FROM bench_select WHERE id = :id";
    static final String JDBC_SQL = "SELECT id, name, amount, created_at FROM bench_select WHERE id = ?";

    static DatabaseConfig config() {
        return BenchConfig.weft("bench-select", POOL_SIZE, Duration.ofSeconds(30));
    }

    /** Creates and fills the table unless it already holds exactly rows 1..10,000. */
    static void ensureTable() throws SQLException {
        try (Connection connection = BenchConfig.connect()) {
            BenchRows.createTable(connection, TABLE, false);
            long count = BenchRows.queryLong(connection, "SELECT count(*) FROM " + TABLE);
            long constraints = BenchRows.queryLong(connection,
                    "SELECT count(*) FROM pg_constraint WHERE conrelid = '" + TABLE + "'::regclass AND contype = 'p'");
            if (count != ROWS || constraints != 1) {
                try (Statement statement = connection.createStatement()) {
                    statement.execute("DROP TABLE " + TABLE);
                    BenchRows.createTable(connection, TABLE, false);
                    statement.execute("ALTER TABLE " + TABLE + " ADD PRIMARY KEY (id)");
                    statement.execute("INSERT INTO " + TABLE + " SELECT " + BenchRows.SERVER_SIDE_ROW
                            + " FROM generate_series(1::bigint, " + ROWS + ") AS id");
                }
            }
            try (Statement statement = connection.createStatement()) {
                statement.execute("VACUUM ANALYZE " + TABLE);
            }
        }
    }

    /** Fails the trial if a side reads a row differently from how it was written. */
    static void check(String side, BenchRow read) {
        BenchRow expected = BenchRows.row(read.id());
        if (!expected.equals(read)) {
            throw new IllegalStateException(side + " read " + read + ", expected " + expected);
        }
    }

    /** weft's side: one {@link Database} per trial. */
    @State(Scope.Benchmark)
    public static class WeftState {
        Database db;

        /** @throws SQLException if the table cannot be prepared */
        @Setup(Level.Trial)
        public void open() throws SQLException {
            ensureTable();
            db = Database.create(config());
            check("weft", db.query(WEFT_SQL, Map.of("id", 4242L), BenchRow.class).getFirst());
        }

        /** Closes the pool. */
        @TearDown(Level.Trial)
        public void close() {
            db.close();
        }
    }

    /** The raw side: a plain HikariCP pool with weft's settings. */
    @State(Scope.Benchmark)
    public static class JdbcState {
        HikariDataSource pool;

        /** @throws SQLException if the table cannot be prepared */
        @Setup(Level.Trial)
        public void open() throws SQLException {
            ensureTable();
            pool = BenchConfig.hikariLike(config());
            check("jdbc", select(pool, 4242L));
        }

        /** Closes the pool. */
        @TearDown(Level.Trial)
        public void close() {
            pool.close();
        }
    }

    private static long randomId() {
        return ThreadLocalRandom.current().nextLong(1, ROWS + 1);
    }

    /**
     * @param state weft's database
     * @return the row read
     */
    @Benchmark
    public BenchRow weft(WeftState state) {
        List<BenchRow> rows = state.db.query(WEFT_SQL, Map.of("id", randomId()), BenchRow.class);
        return rows.getFirst();
    }

    /**
     * @param state the plain pool
     * @return the row read
     * @throws SQLException from the driver
     */
    @Benchmark
    public BenchRow jdbc(JdbcState state) throws SQLException {
        return select(state.pool, randomId());
    }

    /**
     * @param state weft's database
     * @return the row read
     */
    @Benchmark
    @Group("sideBySide")
    @GroupThreads(GROUP_THREADS)
    public BenchRow sideBySideWeft(WeftState state) {
        return weft(state);
    }

    /**
     * @param state the plain pool
     * @return the row read
     * @throws SQLException from the driver
     */
    @Benchmark
    @Group("sideBySide")
    @GroupThreads(GROUP_THREADS)
    public BenchRow sideBySideJdbc(JdbcState state) throws SQLException {
        return jdbc(state);
    }

    private static BenchRow select(HikariDataSource pool, long id) throws SQLException {
        try (Connection connection = pool.getConnection();
                PreparedStatement statement = connection.prepareStatement(JDBC_SQL)) {
            statement.setLong(1, id);
            try (ResultSet result = statement.executeQuery()) {
                if (!result.next()) {
                    throw new IllegalStateException("no row " + id);
                }
                return new BenchRow(result.getLong(1), result.getString(2), result.getLong(3),
                        result.getObject(4, OffsetDateTime.class).toInstant());
            }
        }
    }
}
