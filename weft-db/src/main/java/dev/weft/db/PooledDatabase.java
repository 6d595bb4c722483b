package dev.weft.db;

import dev.weft.db.internal.ConnectionPool;
import io.micrometer.core.instrument.MeterRegistry;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/** The {@link Database} implementation: operations on connections borrowed from the fair-gated pool. */
final class PooledDatabase extends Session implements Database {
    private final DatabaseStages stages;
    private final AsyncView async;
    /** The fail-fast state of a server database; {@code null} for SQLite, which has no server to lose. */
    private final @Nullable DatabaseHealthChecker checker;

    PooledDatabase(DatabaseConfig config, @Nullable MeterRegistry registry,
            io.opentelemetry.api.OpenTelemetry openTelemetry, dev.weft.cache.Cache queryCache) {
        this.stages = new DatabaseStages(config, registry, openTelemetry, queryCache);
        this.async = new AsyncView(this, stages.executor());
        this.checker = config.type() == DatabaseType.SQLITE ? null
                : new DatabaseHealthChecker(this, stages.pool(), registry);
    }

    @Override
    DatabaseStages stages() {
        return stages;
    }

    @Override
    Connections connections() {
        return stages.lease();
    }

    @Override
    Session current() {
        JdbcTransaction open = stages.transactions().open();
        return open != null ? open : this;
    }

    @Override
    public <T, X extends Exception> T inTransaction(Isolation isolation, TransactionCallback<T, X> work) throws X {
        JdbcTransaction open = stages.transactions().open();
        if (open != null) {
            return open.inTransaction(isolation, work);
        }
        return stages.transactions().transaction(isolation, work);
    }

    @Override
    public <T> T withConnection(ConnectionCallback<T> work) {
        java.util.Objects.requireNonNull(work, "work");
        if (stages.transactions().open() != null) {
            throw new DatabaseException(dev.weft.core.ErrorKind.INTERNAL, "connection_in_transaction", "database '"
                    + name() + "': withConnection inside a transaction would lend another connection than the "
                    + "transaction's; call it outside the transaction", null, false, null);
        }
        OperationLog log = stages.statements().log();
        Operation operation = log.begin("connection", "withConnection");
        try {
            T result = stages.lease().run(operation, false, connection -> {
                try {
                    return work.apply(connection);
                } catch (SQLException | RuntimeException | Error e) {
                    // what the work left on the session (a transaction begun in SQL, a lock, a SET) cannot be
                    // told from here: a connection whose work failed is closed rather than lent again
                    operation.broken = true;
                    throw e;
                } finally {
                    if (!operation.broken && !connection.getAutoCommit()) {
                        // the work opened a transaction and left it: nothing of it may outlive this call
                        connection.rollback();
                        connection.setAutoCommit(true);
                    }
                }
            });
            log.succeeded(operation, 0);
            return result;
        } catch (RuntimeException e) {
            throw log.failed(operation, e);
        }
    }

    @Override
    public String name() {
        return stages.config().name();
    }

    @Override
    public DatabaseType type() {
        return stages.config().type();
    }

    @Override
    public DatabaseConfig config() {
        return stages.config();
    }

    @Override
    public AsyncDatabase async() {
        return async;
    }

    @Override
    public QueryMetrics queryMetrics() {
        return stages.recorder().snapshot();
    }

    @Override
    public PoolStatus poolStatus() {
        return stages.pool().status();
    }

    @Override
    public void purgePool() {
        stages.pool().purge();
    }

    /** Drops the pool's idle minimum while a cluster holds this member down; see {@link ConnectionPool#standBy()}. */
    void standBy() {
        stages.pool().standBy();
    }

    /** Restores the pool's idle minimum once a cluster has seen this member answer. */
    void resume() {
        stages.pool().resume();
    }

    /**
     * Runs a single-value query on a connection of its own, outside the pool (see
     * {@link ConnectionPool#connectDirectly()}): how a cluster probes a member it holds down without waking the
     * pool. The connect is bounded by the config's connect timeout, the login and every read by that plus
     * {@code timeout} (a server that accepts and then says nothing cannot hold the probe), the query by
     * {@code timeout}.
     *
     * @param sql a query returning one row
     * @param timeout the query's timeout, rounded up to whole seconds as JDBC wants
     * @return the first column of the first row, or {@code null} for none
     * @throws SQLException if the server cannot be reached or the query fails
     */
    @Nullable Object probeDirectly(String sql, java.time.Duration timeout) throws SQLException {
        try (Connection connection = stages.pool().connectDirectly(timeout.plus(config().connectTimeout()));
                java.sql.Statement statement = connection.createStatement()) {
            statement.setQueryTimeout((int) Math.max(1, (timeout.toMillis() + 999) / 1000));
            try (java.sql.ResultSet rows = statement.executeQuery(sql)) {
                return rows.next() ? rows.getObject(1) : null;
            }
        }
    }

    @Override
    public Health health(java.time.Duration timeout) {
        return stages.health().health(timeout);
    }

    /**
     * The background checker's last verdict for a server database; for SQLite, whose only failure is the local
     * file, a probe bounded by one second.
     */
    @Override
    public Health lastHealth() {
        DatabaseHealthChecker now = checker;
        return now != null ? now.lastHealth() : health(Duration.ofSeconds(1));
    }

    @Override
    public DatabaseInfo info() {
        return stages.health().info();
    }

    @Override
    public <K, T> KeyedReader<K, T> keyed(String table, String keyColumn, Class<K> keyType, Class<T> rowType,
            String... columns) {
        java.util.Objects.requireNonNull(keyType, "keyType");
        java.util.Objects.requireNonNull(rowType, "rowType");
        KeyedSql sql = new KeyedSql(stages.statements().dialect(), table, keyColumn, keyType,
                java.util.Objects.requireNonNull(columns, "columns").clone(),
                stages.config().keyBatching().maxBatchSize());
        return new BatchingKeyedReader<>(this, sql, keyType, rowType);
    }

    @Override
    public dev.weft.cache.Cache queryCache() {
        return stages.cache().cache();
    }

    @Override
    public long invalidateQueryCache(String tablePattern) {
        return stages.cache().invalidate(tablePattern);
    }

    @Override
    public void close() {
        if (checker != null) {
            checker.close();
        }
        stages.close();
    }

    @Override
    public String toString() {
        return "Database[" + stages.config().name() + ", " + stages.config().redactedUrl() + "]";
    }
}
