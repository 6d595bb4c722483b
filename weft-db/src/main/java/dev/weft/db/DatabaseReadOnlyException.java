package dev.weft.db;

import org.jspecify.annotations.Nullable;

/**
 * A write refused because the server accepts none: a standby not yet promoted, or a primary made read-only for a
 * failover (PostgreSQL SQLState {@code 25006}; MySQL/MariaDB errors 1290, 1792, 1836). Nothing was written, so it is
 * safe to retry; it is {@code database_read_only}, 503, retryable. The connection is discarded, so a pool over
 * several hosts reaches the new primary on its next connection.
 */
public final class DatabaseReadOnlyException extends DatabaseUnavailableException {
    private static final long serialVersionUID = 1L;

    /**
     * @param message which database and operation
     * @param sqlState the driver's SQLState, or {@code null}
     * @param cause the driver's exception, or {@code null}
     */
    public DatabaseReadOnlyException(String message, @Nullable String sqlState, @Nullable Throwable cause) {
        super("database_read_only", message, sqlState, cause);
    }
}
