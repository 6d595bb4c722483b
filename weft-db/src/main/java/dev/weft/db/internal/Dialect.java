package dev.weft.db.internal;

import dev.weft.db.DatabaseConfig;
import dev.weft.db.DatabaseType;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.Properties;

/**
 * What differs between databases: URLs, quoting, RETURNING, streaming, value binding and error codes. One
 * stateless instance per product; thread-safe.
 */
public abstract class Dialect {
    /** The write statements, for {@link #nativeReturning(WriteKind)}. */
    public enum WriteKind {
        /** INSERT. */
        INSERT,
        /** UPDATE. */
        UPDATE,
        /** DELETE. */
        DELETE
    }

    /**
     * @param type the database product
     * @return its dialect
     */
    public static Dialect of(DatabaseType type) {
        return switch (type) {
            case POSTGRESQL -> PostgresDialect.INSTANCE;
            case MARIADB -> MariaDbDialect.INSTANCE;
            case MYSQL -> MySqlDialect.INSTANCE;
            case SQLITE -> SqliteDialect.INSTANCE;
        };
    }

    /** @return the product */
    public abstract DatabaseType type();

    /**
     * @param config the config
     * @return the JDBC URL, without credentials
     */
    public abstract String jdbcUrl(DatabaseConfig config);

    /** Prepares the driver before the pool opens its first connection; most dialects have nothing to do. */
    public void beforeFirstConnection() {
    }

    /**
     * @param config the config
     * @return driver properties: the config's own plus the dialect's defaults (the config wins)
     */
    public Properties driverProperties(DatabaseConfig config) {
        Properties properties = new Properties();
        addDefaults(properties, config);
        config.properties().forEach(properties::setProperty);
        return properties;
    }

    /**
     * @param properties where to put the dialect's default driver properties
     * @param config the config
     */
    protected abstract void addDefaults(Properties properties, DatabaseConfig config);

    /** @return SQL run once on every new connection, or {@code null} for none */
    public @org.jspecify.annotations.Nullable String connectionInitSql() {
        return null;
    }

    /** @return the character that quotes identifiers */
    protected abstract char quoteChar();

    /**
     * @param identifier an identifier already checked by {@link Identifiers#check(String, String)}
     * @return the identifier quoted for this dialect
     */
    public final String quote(String identifier) {
        char quote = quoteChar();
        return quote + identifier + quote;
    }

    /**
     * @param kind the write
     * @return whether the database supports {@code RETURNING} on that write
     */
    public abstract boolean nativeReturning(WriteKind kind);

    /**
     * @return whether the config's statement timeout is applied by the server as a session setting (so weft
     *     needs no timer per statement); otherwise weft's watchdog cancels statements itself
     */
    public boolean serverSideStatementTimeout() {
        return false;
    }

    /**
     * @param timeout a statement timeout, {@link java.time.Duration#ZERO} for none
     * @return the SQL that sets the session's statement timeout, where {@link #serverSideStatementTimeout()}
     */
    public String sessionTimeoutSql(java.time.Duration timeout) {
        throw new UnsupportedOperationException(type() + " has no server-side statement timeout");
    }

    /**
     * Whether a failed statement took its whole transaction with it (InnoDB rolls back the whole transaction at a
     * deadlock; most other failures undo only the statement): what the work did before it is gone, and whatever it
     * does after the failure would be committed alone.
     *
     * @param error what the statement failed with
     * @return whether the transaction was rolled back
     */
    public boolean rolledBackTransaction(SQLException error) {
        return false;
    }

    /**
     * Whether the open transaction on {@code connection} can no longer commit: PostgreSQL aborts a transaction at its
     * first failed statement, ignores every later one and answers COMMIT with a ROLLBACK, which pgjdbc does not
     * report. Other databases abort only the failed statement (or, at a deadlock, the whole transaction:
     * {@link #rolledBackTransaction}); the default answers {@code false}.
     *
     * @param connection a connection with autocommit off
     * @return whether a commit would roll back instead
     * @throws SQLException from the driver
     */
    public boolean transactionAborted(Connection connection) throws SQLException {
        return false;
    }

    /**
     * @return whether the driver reads {@code ??} in a statement as a literal {@code ?} (pgjdbc does, for
     *     PostgreSQL's {@code ?}, {@code ?|} and {@code ?&} operators)
     */
    public boolean doubledQuestionMark() {
        return false;
    }

    /**
     * @param number a value for a float column
     * @return whether the database stores it as it is: every finite number; NaN and the infinities on PostgreSQL,
     *     the infinities on SQLite (whose driver stores NaN as NULL), neither on the MySQL family (whose drivers
     *     send them as bare words the server takes for column names)
     */
    public boolean stores(double number) {
        return Double.isFinite(number);
    }

    /** @return whether a backslash escapes the next character inside string literals */
    public boolean backslashEscapes() {
        return false;
    }

    /**
     * Sets a statement up to stream its rows instead of loading them all.
     *
     * @param connection the connection; for PostgreSQL autocommit must already be off
     * @param statement the statement
     * @param fetchSize rows per round trip
     * @throws SQLException from the driver
     */
    public void configureStreaming(Connection connection, PreparedStatement statement, int fetchSize)
            throws SQLException {
        statement.setFetchSize(fetchSize);
    }

    /** @return whether streaming needs autocommit off (a PostgreSQL cursor lives in a transaction) */
    public boolean streamingNeedsTransaction() {
        return false;
    }

    /**
     * @param error a driver exception
     * @return what it means
     */
    public abstract SqlFault classify(SQLException error);

    /**
     * Driver settings that bound a health probe's own connection as a whole: its login and every read, not only the
     * TCP connect, so that a server that accepts and then says nothing (stopped, half-open) cannot hold a probe.
     *
     * @param properties the connection's settings, changed in place
     * @param bound the most the probe may take
     */
    public void boundProbe(java.util.Properties properties, java.time.Duration bound) {
        // the default: the driver's connect timeout from the config is all there is
    }

    /** @return a query that answers the server's version as its one column */
    public abstract String versionQuery();

    /** @return a query that counts the tables of the current schema/database/file */
    public abstract String tableCountQuery();

    /**
     * Binds a value whose JDBC mapping differs between drivers. The default uses {@code setObject}.
     *
     * @param statement the statement
     * @param index the placeholder, from 1
     * @param value the value, already checked by {@link ValueBinder}
     * @throws SQLException from the driver
     */
    protected void bindTemporal(PreparedStatement statement, int index, Object value) throws SQLException {
        statement.setObject(index, value);
    }

    /**
     * Binds a UUID; the default sends its text form.
     *
     * @param statement the statement
     * @param index the placeholder, from 1
     * @param value the UUID
     * @throws SQLException from the driver
     */
    protected void bindUuid(PreparedStatement statement, int index, java.util.UUID value) throws SQLException {
        statement.setString(index, value.toString());
    }

    /**
     * The SQLState class of an exception, or of the first cause that has one.
     *
     * @param error a driver exception
     * @return the SQLState, or an empty string
     */
    protected static String sqlState(SQLException error) {
        for (SQLException e = error; e != null; e = e.getNextException()) {
            if (e.getSQLState() != null) {
                return e.getSQLState();
            }
        }
        Throwable cause = error.getCause();
        if (cause instanceof SQLException inner && inner != error && inner.getSQLState() != null) {
            return inner.getSQLState();
        }
        return "";
    }

    /**
     * Classifies by the standard SQLState classes shared by PostgreSQL and MySQL-family drivers.
     *
     * @param state the SQLState
     * @return the fault, or {@link SqlFault#OTHER}
     */
    protected static SqlFault classifyStandard(String state) {
        if (state.startsWith("08")) {
            return SqlFault.CONNECTION;
        }
        if (state.equals("40001")) {
            return SqlFault.SERIALIZATION;
        }
        if (state.startsWith("22") || state.equals("23502") || state.equals("23514")) {
            return SqlFault.INVALID_VALUE;
        }
        return SqlFault.OTHER;
    }
}
