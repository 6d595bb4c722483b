package dev.weft.db.internal;

import dev.weft.db.DatabaseConfig;
import dev.weft.db.DatabaseType;
import java.util.Properties;

/** MariaDB through MariaDB Connector/J: RETURNING on INSERT and DELETE, emulated on UPDATE. */
final class MariaDbDialect extends MySqlFamilyDialect {
    static final MariaDbDialect INSTANCE = new MariaDbDialect();

    @Override
    public DatabaseType type() {
        return DatabaseType.MARIADB;
    }

    @Override
    public String jdbcUrl(DatabaseConfig config) {
        return "jdbc:mariadb://" + config.host() + ":" + config.port() + "/" + config.database();
    }

    @Override
    protected void addDefaults(Properties properties, DatabaseConfig config) {
        properties.setProperty("connectTimeout", Long.toString(config.connectTimeout().toMillis()));
        String timeout = config.statementTimeout().isZero() ? ""
                : ",max_statement_time=" + config.statementTimeout().toMillis() / 1000.0;
        properties.setProperty("sessionVariables",
                "sql_mode='STRICT_TRANS_TABLES,NO_ZERO_DATE,NO_ZERO_IN_DATE,ERROR_FOR_DIVISION_BY_ZERO',"
                        + "time_zone='+00:00'" + timeout);
        properties.setProperty("tcpKeepAlive", "true");
    }

    @Override
    public boolean serverSideStatementTimeout() {
        return true;
    }

    @Override
    public String sessionTimeoutSql(java.time.Duration timeout) {
        return "SET max_statement_time = " + timeout.toMillis() / 1000.0;
    }

    @Override
    public boolean nativeReturning(WriteKind kind) {
        return kind != WriteKind.UPDATE;
    }
}
