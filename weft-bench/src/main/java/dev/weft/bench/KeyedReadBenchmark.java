package dev.weft.bench;

import com.zaxxer.hikari.HikariDataSource;
import dev.weft.db.Database;
import dev.weft.db.DatabaseConfig;
import dev.weft.db.KeyBatchingConfig;
import dev.weft.db.KeyedReader;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.concurrent.ThreadLocalRandom;
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
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One row by primary key from {@code bench_select} (10,000 rows, random ids), {@value #THREADS} concurrent callers
 * on a pool of {@value #POOL_SIZE} connections on both sides: weft's {@link KeyedReader#find(Object)} (batching
 * concurrent calls) against a hand-written PreparedStatement per call on a HikariCP twin of weft's pool.
 *
 * <p>The callers are {@value #THREADS} JMH threads (platform threads), each calling in a closed loop: the steady
 * concurrency of a server with that many requests in flight, rather than bursts started together, which would
 * flatter batching. {@code inFlight} is weft's {@link KeyBatchingConfig#maxInFlight()} ({@code off}: batching
 * switched off, one query per call), so one run compares the settings.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Threads(KeyedReadBenchmark.THREADS)
@Fork(1)
@Warmup(iterations = 2, time = 5)
@Measurement(iterations = 3, time = 5)
public class KeyedReadBenchmark {
    static final int THREADS = 64;
    static final int POOL_SIZE = 8;
    static final String JDBC_SQL = "SELECT id, name, amount, created_at FROM bench_select WHERE id = ?";

    static DatabaseConfig config() {
        return BenchConfig.weft("bench-keyed", POOL_SIZE, Duration.ofSeconds(30));
    }

    /** weft's side: one {@link Database} and one reader per trial. */
    @State(Scope.Benchmark)
    public static class WeftState {
        /** Batches in flight per reader, or {@code off} for batching switched off. */
        @Param({"off", "1", "2", "4"})
        public String inFlight;

        Database db;
        KeyedReader<Long, BenchRow> reader;

        /** @throws SQLException if the table cannot be prepared */
        @Setup(Level.Trial)
        public void open() throws SQLException {
            SelectByIdBenchmark.ensureTable();
            KeyBatchingConfig batching = "off".equals(inFlight) ? KeyBatchingConfig.off()
                    : KeyBatchingConfig.defaults().withMaxInFlight(Integer.parseInt(inFlight));
            db = Database.create(config().toBuilder().keyBatching(batching).build());
            reader = db.keyed("bench_select", "id", Long.class, BenchRow.class, "id", "name", "amount",
                    "created_at");
            SelectByIdBenchmark.check("weft", reader.find(4242L).orElseThrow());
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
            SelectByIdBenchmark.ensureTable();
            pool = BenchConfig.hikariLike(config());
            SelectByIdBenchmark.check("jdbc", select(pool, 4242L));
        }

        /** Closes the pool. */
        @TearDown(Level.Trial)
        public void close() {
            pool.close();
        }
    }

    private static long randomId() {
        return ThreadLocalRandom.current().nextLong(1, SelectByIdBenchmark.ROWS + 1);
    }

    /**
     * @param state weft's database and reader
     * @return the row read
     */
    @Benchmark
    public BenchRow weftKeyed(WeftState state) {
        long id = randomId();
        return state.reader.find(id).orElseThrow(() -> new IllegalStateException("no row " + id));
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
