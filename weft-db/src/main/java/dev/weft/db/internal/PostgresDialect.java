package dev.weft.db.internal;

import dev.weft.db.DatabaseConfig;
import dev.weft.db.DatabaseType;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Properties;
import java.util.UUID;

/** PostgreSQL through pgjdbc: native RETURNING everywhere, cursors for streaming, COPY for bulk inserts. */
final class PostgresDialect extends Dialect {
    static final PostgresDialect INSTANCE = new PostgresDialect();

    @Override
    public DatabaseType type() {
        return DatabaseType.POSTGRESQL;
    }

    @Override
    public String jdbcUrl(DatabaseConfig config) {
        String host = config.host();
        if (host.indexOf(',') >= 0) {
            // several hosts (a primary and its standbys): each names its port; a last one without uses the port
            String last = host.substring(host.lastIndexOf(',') + 1);
            return "jdbc:postgresql://" + host + (last.indexOf(':') < 0 ? ":" + config.port() : "") + "/"
                    + config.database();
        }
        return "jdbc:postgresql://" + host + ":" + config.port() + "/" + config.database();
    }

    @Override
    public void boundProbe(Properties properties, java.time.Duration bound) {
        String seconds = Long.toString(Math.max(1, (bound.toMillis() + 999) / 1000));
        properties.setProperty("loginTimeout", seconds);
        properties.setProperty("socketTimeout", seconds);
    }

    @Override
    protected void addDefaults(Properties properties, DatabaseConfig config) {
        properties.setProperty("ApplicationName", "weft-" + config.name());
        properties.setProperty("connectTimeout", Long.toString(Math.max(1, config.connectTimeout().toSeconds())));
        properties.setProperty("reWriteBatchedInserts", "true");
        properties.setProperty("tcpKeepAlive", "true");
        if (!config.statementTimeout().isZero()) {
            properties.setProperty("options", "-c statement_timeout=" + config.statementTimeout().toMillis());
        }
    }

    /**
     * UTC sessions: an instant written to a timestamp (without zone) column is stored as UTC wall-clock time, the
     * convention of weft's other dialects. (A {@code -c TimeZone} option does not work: pgjdbc sends the JVM's
     * zone as a startup parameter, which the server applies after the options.)
     */
    @Override
    public String connectionInitSql() {
        return "SET TIME ZONE 'UTC'";
    }

    @Override
    public boolean serverSideStatementTimeout() {
        return true;
    }

    @Override
    public String sessionTimeoutSql(java.time.Duration timeout) {
        return "SET statement_timeout = " + timeout.toMillis();
    }

    @Override
    protected char quoteChar() {
        return '"';
    }

    @Override
    public boolean nativeReturning(WriteKind kind) {
        return true;
    }

    @Override
    public boolean streamingNeedsTransaction() {
        return true;
    }

    @Override
    public SqlFault classify(SQLException error) {
        String state = sqlState(error);
        return switch (state) {
            case "23505" -> SqlFault.UNIQUE;
            case "23503" -> SqlFault.FOREIGN_KEY;
            case "40P01" -> SqlFault.SERIALIZATION;
            case "57014" -> SqlFault.CANCELLED;
            case "25006" -> SqlFault.READ_ONLY;
            case "57P01", "57P02", "57P03", "53300" -> SqlFault.CONNECTION;
            default -> classifyStandard(state);
        };
    }

    @Override
    public String tableCountQuery() {
        return "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema()";
    }

    @Override
    public String versionQuery() {
        return "SELECT version()";
    }

    @Override
    protected void bindTemporal(PreparedStatement statement, int index, Object value) throws SQLException {
        if (value instanceof Instant instant) {
            statement.setObject(index, OffsetDateTime.ofInstant(instant, ZoneOffset.UTC));
        } else {
            statement.setObject(index, value);
        }
    }

    @Override
    public boolean transactionAborted(java.sql.Connection connection) throws SQLException {
        // the driver's own record of the server's ReadyForQuery status: no round trip
        return connection.isWrapperFor(org.postgresql.core.BaseConnection.class)
                && connection.unwrap(org.postgresql.core.BaseConnection.class).getTransactionState()
                        == org.postgresql.core.TransactionState.FAILED;
    }

    @Override
    public boolean stores(double number) {
        return true;
    }

    @Override
    public boolean doubledQuestionMark() {
        return true;
    }

    @Override
    protected void bindUuid(PreparedStatement statement, int index, UUID value) throws SQLException {
        statement.setObject(index, value);
    }
}
