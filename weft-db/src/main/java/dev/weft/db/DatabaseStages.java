package dev.weft.db;

import dev.weft.cache.Cache;
import dev.weft.core.VirtualThreads;
import dev.weft.db.internal.ConnectionPool;
import dev.weft.db.internal.Dialect;
import dev.weft.db.internal.QueryRecorder;
import dev.weft.db.internal.StatementWatchdog;
import dev.weft.db.internal.TableKeys;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.context.Context;
import java.util.concurrent.ExecutorService;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The stages of one open database, wired once and shared by its sessions; each has one job:
 *
 * <pre>
 *  Query ──(cached)──► QueryCacheBinding ──┐
 *    └─────────────────────────────────────┴─► StatementRunner ──┐
 *  Write ──► TableWrites ──► EmulatedReturning ──► StatementRunner │
 *  Batch, BulkInsert ──► BatchWrites ─────────────────────────────┤
 *  health, info ──► HealthQueries ──► StatementRunner ─────────────┤
 *                                                                  ▼
 *                     Connections: ConnectionLease (DatabaseRetry, SqliteWriterTurn, ConnectionPool)
 *                                  or the open JdbcTransaction's connection
 *  inTransaction ──► TransactionRunner ──► ConnectionLease.hold
 * </pre>
 *
 * Keyed reads ({@code Database.keyed}) batch in {@link BatchingKeyedReader} and send through the StatementRunner.
 *
 * Thread-safe; {@link #close()} is idempotent.
 */
final class DatabaseStages implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Database.class);

    private final DatabaseConfig config;
    private final ConnectionPool pool;
    private final ExecutorService executor;
    private final StatementWatchdog watchdog;
    private final OperationLog log;
    private final ConnectionLease lease;
    private final QueryCacheBinding cache;
    private final StatementRunner statements;
    private final TableWrites writes;
    private final BatchWrites batches;
    private final TransactionRunner transactions;
    private final HealthQueries health;
    private final @Nullable MeterRegistry registry;
    private volatile boolean closed;

    DatabaseStages(DatabaseConfig config, @Nullable MeterRegistry registry, OpenTelemetry openTelemetry,
            Cache queryCache) {
        this.config = config;
        this.registry = registry;
        Dialect dialect = Dialect.of(config.type());
        this.pool = new ConnectionPool(config, dialect, registry);
        // Async operations and key batches run on this executor: each task carries its submitter's trace context,
        // so their spans stay in the caller's trace (and a task submitted outside any trace makes none).
        this.executor = Context.taskWrapping(VirtualThreads.newExecutor("weft-db-" + config.name()));
        this.watchdog = new StatementWatchdog(config.name());
        this.log = new OperationLog(config.name(),
                new QueryRecorder(config.name(), registry, config.slowQueryThreshold()),
                new DbTracing(openTelemetry, config));
        WriteTags writeTags = new WriteTags(dialect.backslashEscapes());
        ErrorTranslator errors = new ErrorTranslator(config.name(), dialect, pool);
        DatabaseRetry retry = new DatabaseRetry(config.retry().policy());
        this.lease = new ConnectionLease(pool, new SqliteWriterTurn(config, writeTags), retry, errors, writeTags);
        this.cache = new QueryCacheBinding(queryCache, writeTags, dialect.backslashEscapes());
        this.statements = new StatementRunner(dialect, new StatementTimeouts(dialect, config.statementTimeout()),
                watchdog, log, errors, writeTags, cache);
        WriteSql writeSql = new WriteSql(dialect);
        this.writes = new TableWrites(dialect, writeSql, statements,
                new EmulatedReturning(statements, writeSql, dialect, new TableKeys(), config.name()), cache);
        this.batches = new BatchWrites(dialect, writeSql, log, writeTags, cache);
        this.transactions = new TransactionRunner(this, dialect, lease, retry, statements, cache);
        this.health = new HealthQueries(config, dialect, pool, statements, lease);
        LOG.atInfo().setMessage("database opened")
                .addKeyValue("database", config.name())
                .addKeyValue("url", config.redactedUrl())
                .addKeyValue("pool_size", config.pool().size())
                .addKeyValue("max_overflow", config.pool().maxOverflow())
                .log();
    }

    DatabaseConfig config() {
        return config;
    }

    ConnectionPool pool() {
        return pool;
    }

    ExecutorService executor() {
        return executor;
    }

    QueryRecorder recorder() {
        return log.recorder();
    }

    ConnectionLease lease() {
        return lease;
    }

    QueryCacheBinding cache() {
        return cache;
    }

    StatementRunner statements() {
        return statements;
    }

    TableWrites writes() {
        return writes;
    }

    BatchWrites batches() {
        return batches;
    }

    TransactionRunner transactions() {
        return transactions;
    }

    HealthQueries health() {
        return health;
    }

    /** @return the registry the database publishes its meters to, if any */
    @Nullable MeterRegistry registry() {
        return registry;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        log.close();
        executor.shutdown();
        watchdog.close();
        pool.close();
        LOG.atInfo().setMessage("database closed").addKeyValue("database", config.name()).log();
    }
}
