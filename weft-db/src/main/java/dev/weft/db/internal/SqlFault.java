package dev.weft.db.internal;

/** What a driver's SQLException means, whatever the dialect spelled it as. */
public enum SqlFault {
    /** A unique index or primary key was violated. */
    UNIQUE,
    /** A foreign key was violated. */
    FOREIGN_KEY,
    /** The database rejected a value: not null, check, too long, bad encoding, out of range. */
    INVALID_VALUE,
    /** The connection is unusable or the server refuses connections: retry on a new connection. */
    CONNECTION,
    /** Serialization failure or deadlock: retry the whole transaction. */
    SERIALIZATION,
    /** The statement was cancelled (by a timeout, or by someone else). */
    CANCELLED,
    /**
     * The server accepts no writes: a standby not yet promoted, or a primary set read-only for a failover. Nothing was
     * written; the connection belongs to the wrong server and is discarded, so the next one may reach the new primary.
     */
    READ_ONLY,
    /**
     * The statement with its values is larger than the server takes in one packet (the MySQL family's
     * {@code max_allowed_packet}, error 1153): nothing was run, and the server closed the connection.
     */
    TOO_LARGE,
    /** Anything else: a syntax error, a missing table, a bug. */
    OTHER
}
