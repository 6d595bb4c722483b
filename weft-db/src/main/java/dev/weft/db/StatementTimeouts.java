package dev.weft.db;

import dev.weft.db.internal.Dialect;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * How long a statement may run, and who enforces it: weft's watchdog, or the server's session statement timeout
 * (PostgreSQL, MariaDB/MySQL) where the configured one is set on every connection. A statement that asks for a
 * longer timeout than the session's (or none) lifts the session's for its own run. Thread-safe.
 */
final class StatementTimeouts {
    private final Dialect dialect;
    private final Duration configured;

    StatementTimeouts(Dialect dialect, Duration configured) {
        this.dialect = dialect;
        this.configured = configured;
    }

    /** The timeout weft's watchdog enforces; ZERO when the server enforces the configured one itself. */
    Duration watchdog(@Nullable Duration explicit) {
        if (explicit != null) {
            return explicit;
        }
        return dialect.serverSideStatementTimeout() ? Duration.ZERO : configured;
    }

    /**
     * Where the server enforces the configured timeout as a session setting, a statement that asked for a longer
     * one (or none) must lift it for its own run; a shorter one is enforced by the watchdog first anyway.
     */
    @Nullable Duration sessionLift(@Nullable Duration explicit) {
        if (explicit == null || !dialect.serverSideStatementTimeout() || configured.isZero()) {
            return null;
        }
        return explicit.isZero() || explicit.compareTo(configured) > 0 ? explicit : null;
    }

    /** Runs work with the session's statement timeout lifted to {@code lifted}, restored afterwards. */
    <T> T withSessionTimeout(Connection connection, @Nullable Duration lifted, Connections.Work<T> work)
            throws SQLException {
        if (lifted == null) {
            return work.run(connection);
        }
        lift(connection, lifted);
        try {
            return work.run(connection);
        } finally {
            try {
                restore(connection);
            } catch (SQLException e) {
                // In an aborted PostgreSQL transaction the reset fails, but the rollback reverts the SET itself.
            }
        }
    }

    void lift(Connection connection, Duration lifted) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            statement.execute(dialect.sessionTimeoutSql(lifted));
        }
    }

    void restore(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            statement.execute(dialect.sessionTimeoutSql(configured));
        }
    }
}
