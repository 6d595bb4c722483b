package dev.weft.db;

import java.sql.Connection;

/**
 * Transaction isolation levels. SQLite runs every transaction serializably, which satisfies any level asked
 * for; the others apply the level given.
 */
public enum Isolation {
    /** The connection's default (READ COMMITTED on PostgreSQL, REPEATABLE READ on MariaDB/MySQL). */
    DEFAULT(-1),
    /** READ UNCOMMITTED. */
    READ_UNCOMMITTED(Connection.TRANSACTION_READ_UNCOMMITTED),
    /** READ COMMITTED. */
    READ_COMMITTED(Connection.TRANSACTION_READ_COMMITTED),
    /** REPEATABLE READ. */
    REPEATABLE_READ(Connection.TRANSACTION_REPEATABLE_READ),
    /** SERIALIZABLE; weft retries the whole transaction on a serialization failure. */
    SERIALIZABLE(Connection.TRANSACTION_SERIALIZABLE);

    private final int jdbcLevel;

    Isolation(int jdbcLevel) {
        this.jdbcLevel = jdbcLevel;
    }

    /** @return the {@code java.sql.Connection} constant, or -1 for {@link #DEFAULT} */
    public int jdbcLevel() {
        return jdbcLevel;
    }
}
