package dev.weft.service.data;

import dev.weft.core.ErrorKind;
import dev.weft.core.WeftException;
import dev.weft.db.migrate.MigrationException;
import dev.weft.db.migrate.MigrationRunner;
import dev.weft.db.migrate.MigrationState;
import dev.weft.db.migrate.MigrationStatus;
import java.util.List;
import java.util.Optional;

/**
 * The database's schema is newer than this build of weft: a newer release applied migrations this one does not have
 * (the usual case after a rollout is rolled back to the old binary). weft-db reports each such version as
 * {@code migration_missing} with advice for an application that lost a migration file ("restore the file, or call
 * {@code repair}"), which is wrong here: forgetting the newer migrations would leave their changes in the database
 * unrecorded. This says what an operator can do instead: run the newer release, or roll the schema back with it.
 *
 * <p>Code {@code schema_ahead}, kind {@link ErrorKind#CONFLICT}. Immutable.
 */
public final class SchemaAheadException extends WeftException {
    private static final long serialVersionUID = 1L;

    private SchemaAheadException(String message, MigrationException cause) {
        super(ErrorKind.CONFLICT, "schema_ahead", message, cause);
    }

    /**
     * Tells a schema newer than this build from a migration that is really missing.
     *
     * @param runner the service's migration runner (its statuses are in version order)
     * @param failure what the runner threw
     * @return the failure to report: a {@code schema_ahead} one when every migration the source lacks is newer
     *     than every one it has, else {@code failure} itself
     */
    public static RuntimeException explain(MigrationRunner runner, MigrationException failure) {
        if (!"migration_missing".equals(failure.code())) {
            return failure;
        }
        List<MigrationStatus> statuses;
        try {
            statuses = runner.status();
        } catch (RuntimeException unreadable) {
            failure.addSuppressed(unreadable);
            return failure;
        }
        Optional<MigrationStatus> newestKnown = statuses.stream()
                .filter(status -> status.state() != MigrationState.MISSING).reduce((first, second) -> second);
        int firstUnknown = newestKnown.map(known -> statuses.indexOf(known) + 1).orElse(0);
        List<MigrationStatus> unknown = statuses.subList(firstUnknown, statuses.size());
        // a gap (a missing version below a known one) is a lost migration, which the original advice fits
        if (newestKnown.isEmpty() || unknown.isEmpty() || statuses.subList(0, firstUnknown).stream()
                .anyMatch(status -> status.state() == MigrationState.MISSING)) {
            return failure;
        }
        MigrationStatus newest = unknown.getLast();
        String known = newestKnown.get().version();
        return new SchemaAheadException("the database's schema is at version " + newest.version() + " ("
                + newest.name() + "), newer than this weft knows (up to " + known + "): a newer release of weft "
                + "migrated it. Run that release, or first move the schema back with it (weft migrate to " + known
                + "); nothing was changed", failure);
    }
}
