package dev.weft.bench;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.weft.db.DatabaseConfig;
import dev.weft.db.DatabaseType;
import dev.weft.db.PoolConfig;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Properties;
import java.util.Set;

/**
 * Where the benchmarks connect: the local PostgreSQL ({@code 127.0.0.1:5432}, database {@code test}, user
 * {@code postgres}, trust auth). System properties {@code weft.bench.host}, {@code weft.bench.port},
 * {@code weft.bench.database} and {@code weft.bench.user} move it; a host that is not loopback is refused, so a
 * benchmark never loads a shared server by mistake.
 */
public final class BenchConfig {
    /** The server's host; loopback only. */
    public static final String HOST = loopback(System.getProperty("weft.bench.host", "127.0.0.1"));
    /** The server's port. */
    public static final int PORT = Integer.getInteger("weft.bench.port", 5432);
    /** The database. */
    public static final String DATABASE = System.getProperty("weft.bench.database", "test");
    /** The user; trust auth, so no password. */
    public static final String USER = System.getProperty("weft.bench.user", "postgres");

    private BenchConfig() {
    }

    private static String loopback(String host) {
        if (!Set.of("127.0.0.1", "localhost", "::1").contains(host) && !host.startsWith("127.")) {
            throw new IllegalArgumentException("weft.bench.host must be a loopback address, not " + host);
        }
        return host;
    }

    /**
     * @param name the weft instance name (shows in {@code pg_stat_activity} as {@code weft-NAME})
     * @param poolSize connections, no overflow
     * @param statementTimeout the default statement timeout
     * @return a weft config for the local server
     */
    public static DatabaseConfig weft(String name, int poolSize, Duration statementTimeout) {
        return DatabaseConfig.builder(DatabaseType.POSTGRESQL).name(name).host(HOST).port(PORT).database(DATABASE)
                .username(USER).poolSize(poolSize).acquireTimeout(Duration.ofSeconds(10))
                .statementTimeout(statementTimeout).build();
    }

    /**
     * A plain HikariCP pool set up the way weft sets up its own for {@code config} (weft's pool is internal and
     * not reachable through the API, so the raw-JDBC side gets an equal twin rather than the same instance). This
     * mirrors {@code ConnectionPool} and {@code PostgresDialect.addDefaults} as of this commit: same URL, same
     * driver properties ({@code reWriteBatchedInserts}, {@code tcpKeepAlive}, server-side
     * {@code statement_timeout}), same pool size, minimum idle, lifetimes, keep-alive. What weft adds on top (its
     * fair FIFO gate in front of Hikari) is part of what is measured.
     *
     * @param config the weft config to copy
     * @return an open pool; the caller closes it
     */
    public static HikariDataSource hikariLike(DatabaseConfig config) {
        PoolConfig pool = config.pool();
        HikariConfig hikari = new HikariConfig();
        hikari.setPoolName("raw-" + config.name());
        hikari.setJdbcUrl(jdbcUrl());
        hikari.setUsername(config.username());
        Properties properties = new Properties();
        properties.setProperty("ApplicationName", "raw-" + config.name());
        properties.setProperty("connectTimeout", Long.toString(Math.max(1, config.connectTimeout().toSeconds())));
        properties.setProperty("reWriteBatchedInserts", "true");
        properties.setProperty("tcpKeepAlive", "true");
        if (!config.statementTimeout().isZero()) {
            properties.setProperty("options", "-c statement_timeout=" + config.statementTimeout().toMillis());
        }
        hikari.setDataSourceProperties(properties);
        hikari.setMaximumPoolSize(pool.maxConnections());
        hikari.setMinimumIdle(pool.size());
        hikari.setIdleTimeout(pool.idleTimeout().toMillis());
        hikari.setMaxLifetime(pool.recycle().toMillis());
        hikari.setConnectionTimeout(Math.max(250, pool.acquireTimeout().toMillis()));
        hikari.setValidationTimeout(Math.max(250, Math.min(5000, config.connectTimeout().toMillis())));
        if (pool.prePing()) {
            hikari.setKeepaliveTime(Duration.ofMinutes(2).toMillis());
        }
        return new HikariDataSource(hikari);
    }

    /** @return the JDBC URL of the local server */
    public static String jdbcUrl() {
        return "jdbc:postgresql://" + HOST + ":" + PORT + "/" + DATABASE;
    }

    /**
     * A plain connection for fixtures (creating and checking tables), so that setup goes through neither of the
     * two things being compared.
     *
     * @return a new connection; the caller closes it
     * @throws SQLException if the server does not answer
     */
    public static Connection connect() throws SQLException {
        Properties properties = new Properties();
        properties.setProperty("user", USER);
        properties.setProperty("connectTimeout", "5");
        properties.setProperty("ApplicationName", "weft-bench-fixtures");
        return DriverManager.getConnection(jdbcUrl(), properties);
    }
}
