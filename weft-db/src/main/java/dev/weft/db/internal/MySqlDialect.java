package dev.weft.db.internal;

import dev.weft.db.DatabaseConfig;
import dev.weft.db.DatabaseType;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.Properties;

/** MySQL through MySQL Connector/J: no RETURNING, so every RETURNING is emulated. */
final class MySqlDialect extends MySqlFamilyDialect {
    static final MySqlDialect INSTANCE = new MySqlDialect();

    @Override
    public DatabaseType type() {
        return DatabaseType.MYSQL;
    }

    @Override
    public String jdbcUrl(DatabaseConfig config) {
        return "jdbc:mysql://" + config.host() + ":" + config.port() + "/" + config.database();
    }

    @Override
    protected void addDefaults(Properties properties, DatabaseConfig config) {
        properties.setProperty("connectTimeout", Long.toString(config.connectTimeout().toMillis()));
        properties.setProperty("rewriteBatchedStatements", "true");
        properties.setProperty("characterEncoding", "UTF-8");
        properties.setProperty("connectionTimeZone", "UTC");
        properties.setProperty("forceConnectionTimeZoneToSession", "true");
        properties.setProperty("sessionVariables",
                "sql_mode='STRICT_TRANS_TABLES,NO_ZERO_DATE,NO_ZERO_IN_DATE,ERROR_FOR_DIVISION_BY_ZERO'");
        properties.setProperty("tcpKeepAlive", "true");
        // Connector/J traces by itself whenever opentelemetry-api is on the class path (weft-db brings it): it
        // calls GlobalOpenTelemetry.get() on every new connection, which freezes an unset global to the no-op (a
        // later set() by the application then throws) and would duplicate weft's own statement spans.
        properties.setProperty("openTelemetry", "DISABLED");
    }

    @Override
    public boolean nativeReturning(WriteKind kind) {
        return false;
    }

    @Override
    protected void bindTemporal(PreparedStatement statement, int index, Object value) throws SQLException {
        // Sent as text: Connector/J drops fractional seconds when it takes the server for an old MySQL (MariaDB
        // announces itself as 5.5.5-...), and DATETIME(6) parses this form on every version.
        java.time.LocalDateTime utc = switch (value) {
            case java.time.Instant instant -> java.time.LocalDateTime.ofInstant(instant, java.time.ZoneOffset.UTC);
            case java.time.OffsetDateTime offset -> offset.withOffsetSameInstant(java.time.ZoneOffset.UTC)
                    .toLocalDateTime();
            case java.time.LocalDateTime local -> local;
            default -> null;
        };
        if (value instanceof java.time.LocalTime time) {
            statement.setString(index, TIME.format(time)); // the fraction would be dropped alike
        } else if (utc == null) {
            super.bindTemporal(statement, index, value);
        } else {
            statement.setString(index, DATETIME.format(utc));
        }
    }

    private static final java.time.format.DateTimeFormatter DATETIME =
            java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSSSS");
    private static final java.time.format.DateTimeFormatter TIME =
            java.time.format.DateTimeFormatter.ofPattern("HH:mm:ss.SSSSSS");

    @Override
    public void configureStreaming(Connection connection, PreparedStatement statement, int fetchSize)
            throws SQLException {
        // Connector/J streams row by row only with this sentinel; a positive size needs useCursorFetch.
        statement.setFetchSize(Integer.MIN_VALUE);
    }
}
