package dev.weft.db;

import dev.weft.db.internal.ConnectionPool;
import io.micrometer.core.instrument.MeterRegistry;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/** The {@link Database} implementation: operations on connections borrowed from the fair-gated pool. */
final class PooledDatabase extends Session implements Database {
    private final Engine engine;
    private final AsyncView async;
    /** The fail-fast state of a server database; {@code null} for SQLite, which has no server to lose. */
    private final @Nullable DatabaseHealthChecker checker;

    PooledDatabase(DatabaseConfig config, @Nullable MeterRegistry registry, dev.weft.cache.Cache queryCache) {
        this.engine = new Engine(config, registry, queryCache);
        this.async = new AsyncView(this, engine.executor());
        this.checker = config.type() == DatabaseType.SQLITE ? null
                : new DatabaseHealthChecker(this, engine.pool(), registry);
    }

    @Override
    Engine engine() {
        return engine;
    }

    @Override
    Session current() {
        JdbcTransaction open = engine.openTransaction();
        return open != null ? open : this;
    }

    @Override
    <T> T run(Engine.Call call, boolean retry, Work<T> work) {
        if (!retry) {
            return once(call, work);
        }
        return engine.retryReads(() -> once(call, work));
    }

    private <T> T once(Engine.Call call, Work<T> work) {
        ConnectionPool pool = engine.pool();
        call.newAttempt();
        boolean turn = engine.enterWriterTurn(call);
        try {
            Connection connection = pool.acquire();
            boolean broken = false;
            try {
                return work.run(connection);
            } catch (SQLException e) {
                // A write in autocommit mode commits by itself: losing the connection during it leaves the outcome
                // unknown. Atomic work commits explicitly, and its COMMIT is translated where it is sent.
                DatabaseException translated = !call.atomic && engine.writes(call)
                        ? engine.translateCommitting(e, call) : engine.translate(e, call);
                broken = call.connectionBroken();
                throw translated;
            } catch (RuntimeException | Error e) {
                broken = call.connectionBroken();
                throw e;
            } finally {
                if (broken || call.connectionBroken()) {
                    pool.evict(connection);
                } else {
                    pool.release(connection);
                }
            }
        } finally {
            engine.leaveWriterTurn(turn);
        }
    }

    @Override
    <T> T runAtomically(Engine.Call call, boolean retry, Work<T> work) {
        call.atomic = true;
        return run(call, retry, connection -> {
            connection.setAutoCommit(false);
            T result;
            try {
                result = work.run(connection);
                try {
                    connection.commit();
                } catch (SQLException e) {
                    throw engine.translateCommitting(e, call);
                }
            } catch (SQLException | RuntimeException | Error e) {
                Engine.rollbackQuietly(connection, e);
                try {
                    connection.setAutoCommit(true);
                } catch (SQLException restore) {
                    e.addSuppressed(restore); // the first failure says what happened; this one only follows it
                }
                throw e;
            }
            connection.setAutoCommit(true);
            return result;
        });
    }

    @Override
    Borrowed borrow() {
        ConnectionPool pool = engine.pool();
        Connection connection = pool.acquire();
        return new Borrowed() {
            private boolean released;

            @Override
            public Connection connection() {
                return connection;
            }

            @Override
            public void release(boolean broken) {
                if (released) {
                    return;
                }
                released = true;
                if (broken) {
                    pool.evict(connection);
                } else {
                    pool.release(connection);
                }
            }
        };
    }

    @Override
    public <T, X extends Exception> T inTransaction(Isolation isolation, TransactionCallback<T, X> work) throws X {
        JdbcTransaction open = engine.openTransaction();
        if (open != null) {
            return open.inTransaction(isolation, work);
        }
        return engine.transaction(isolation, work);
    }

    @Override
    public String name() {
        return engine.config().name();
    }

    @Override
    public DatabaseType type() {
        return engine.config().type();
    }

    @Override
    public DatabaseConfig config() {
        return engine.config();
    }

    @Override
    public AsyncDatabase async() {
        return async;
    }

    @Override
    public QueryMetrics queryMetrics() {
        return engine.recorder().snapshot();
    }

    @Override
    public PoolStatus poolStatus() {
        return engine.pool().status();
    }

    @Override
    public void purgePool() {
        engine.pool().purge();
    }

    /** Drops the pool's idle minimum while a cluster holds this member down; see {@link ConnectionPool#standBy()}. */
    void standBy() {
        engine.pool().standBy();
    }

    /** Restores the pool's idle minimum once a cluster has seen this member answer. */
    void resume() {
        engine.pool().resume();
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
        try (Connection connection = engine.pool().connectDirectly(timeout.plus(config().connectTimeout()));
                java.sql.Statement statement = connection.createStatement()) {
            statement.setQueryTimeout((int) Math.max(1, (timeout.toMillis() + 999) / 1000));
            try (java.sql.ResultSet rows = statement.executeQuery(sql)) {
                return rows.next() ? rows.getObject(1) : null;
            }
        }
    }

    @Override
    public Health health(java.time.Duration timeout) {
        return engine.health(this, timeout);
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
        return engine.info(this);
    }

    @Override
    public dev.weft.cache.Cache queryCache() {
        return engine.queryCache();
    }

    @Override
    public long invalidateQueryCache(String tablePattern) {
        return engine.invalidateQueryCache(tablePattern);
    }

    @Override
    public void close() {
        if (checker != null) {
            checker.close();
        }
        engine.close();
    }

    @Override
    public String toString() {
        return "Database[" + engine.config().name() + ", " + engine.config().redactedUrl() + "]";
    }
}
