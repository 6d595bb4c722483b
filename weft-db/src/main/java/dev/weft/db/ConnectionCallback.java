package dev.weft.db;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * Work on one pooled JDBC connection lent by {@link Database#withConnection(ConnectionCallback)}, for what weft's
 * statements cannot say: a statement that must not run in a transaction (PostgreSQL's
 * {@code CREATE INDEX CONCURRENTLY}, SQLite's {@code VACUUM}), a session-level lock, a driver's own API.
 *
 * @param <T> the result type
 */
@FunctionalInterface
public interface ConnectionCallback<T> {
    /**
     * @param connection the connection, in autocommit mode; leave it as it was found (weft rolls back and restores
     *     autocommit, HikariCP restores the isolation, read-only flag, catalog and schema, but a {@code SET} or a
     *     session lock stays with the connection unless undone)
     * @return the result
     * @throws SQLException from the driver; it reaches the caller translated, as any statement's failure does
     */
    T apply(Connection connection) throws SQLException;
}
