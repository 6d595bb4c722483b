package dev.weft.db.migrate;

import dev.weft.core.ErrorKind;
import dev.weft.core.WeftException;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A migration could not be loaded, planned or run. The {@link #code() code} says which case:
 *
 * <ul>
 *   <li>{@code invalid_migration} (400): a migration file or value is malformed (bad file name, bad version);</li>
 *   <li>{@code duplicate_migration_version} (400): two migrations of one source share a version;</li>
 *   <li>{@code migration_not_found} (404): a target version that no migration has;</li>
 *   <li>{@code migration_not_applied} (409): a rollback of a migration that is not applied;</li>
 *   <li>{@code migration_changed} (409): an applied migration's SQL differs from what was applied;</li>
 *   <li>{@code migration_failed} (500): a migration's SQL failed now, or failed in an earlier run on a database
 *       whose DDL is not transactional (MariaDB/MySQL) and awaits a repair;</li>
 *   <li>{@code migration_missing} (409): the database records an applied migration the source no longer has;</li>
 *   <li>{@code migration_irreversible} (409): a rollback of a migration without down SQL;</li>
 *   <li>{@code migration_lock_timeout} (504, retryable): another runner held the migration lock too long.</li>
 * </ul>
 *
 * <p>Messages name the database instance and the version and say what to do; they never carry SQL values.
 * Immutable and safe to share between threads.
 */
public final class MigrationException extends WeftException {
    private static final long serialVersionUID = 1L;

    private final @Nullable String version;

    MigrationException(ErrorKind kind, String code, @Nullable String version, String message,
            @Nullable Throwable cause) {
        super(kind, code, message, cause);
        this.version = version;
    }

    /** @return the version of the migration concerned, if one is */
    public Optional<String> version() {
        return Optional.ofNullable(version);
    }
}
