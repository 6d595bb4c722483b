package dev.weft.db.migrate;

import java.util.List;

/**
 * Applies and rolls back the migrations of one {@link MigrationSource} on one database, recording each in a
 * schema table ({@link MigrationConfig#table()}, created if missing).
 *
 * {@snippet :
 * try (Database db = Database.create(DatabaseConfig.fromEnv())) {
 *     MigrationRunner runner = Migrations.runner(db, MigrationSource.classpath("db/migrations"));
 *     MigrationResult result = runner.migrate();            // to the latest version
 *     runner.migrate("20261123_120000");                    // up or down to a version
 *     runner.rollback(1);                                   // undo the newest applied migration
 *     List<MigrationStatus> status = runner.status();
 * }
 * }
 *
 * <p><b>Concurrency.</b> Several runners (threads or processes) may work on one database at once: each change
 * runs under a database-wide lock (PostgreSQL {@code pg_advisory_xact_lock}, MariaDB/MySQL {@code GET_LOCK},
 * SQLite an immediate transaction), and the runner re-reads the schema table under that lock before each step,
 * so every migration is applied once. The lock is keyed by the schema table name.
 *
 * <p><b>Transactions.</b> Each migration runs in its own transaction with its schema-table row. On PostgreSQL
 * and SQLite a failed migration leaves nothing behind and stays pending. MariaDB and MySQL commit each DDL
 * statement as it runs: a failed migration is recorded as {@link MigrationState#FAILED} with its error, and
 * every later change is refused until someone fixes the database by hand and calls {@link #repair(String)} (to
 * run it again) or {@link #markApplied(String)} (when the fix completed it).
 *
 * <p><b>Safety.</b> {@code migrate} and {@code rollback} refuse to run while any migration is failed, changed
 * (its SQL differs from what was applied) or missing from the source; {@link #validate()} lists those.
 *
 * <p>Thread-safe. Every method blocks the calling thread (meant to be virtual) on the database, for as long as
 * the migrations take plus at most {@link MigrationConfig#lockTimeout()} per lock wait.
 */
public interface MigrationRunner {
    /**
     * Applies every pending migration, oldest first, each in its own transaction. A pending migration older than
     * an applied one (merged late) is applied too.
     *
     * @return what this call applied
     * @throws MigrationException {@code migration_failed} if a migration's SQL fails (nothing after it runs),
     *     {@code migration_changed}, {@code migration_failed} or {@code migration_missing} if {@link #validate()}
     *     finds a problem (nothing runs), {@code migration_lock_timeout} if another runner holds the lock too
     *     long, {@code invalid_migration}/{@code duplicate_migration_version} for a bad source
     * @throws dev.weft.db.DatabaseException if the schema table cannot be read or written
     */
    MigrationResult migrate();

    /**
     * Moves the database to {@code target}: rolls back, newest first, every applied migration above it, then
     * applies, oldest first, every pending migration up to and including it.
     *
     * @param target a version the source has or the database records
     * @return what this call applied and rolled back
     * @throws MigrationException {@code migration_not_found} for an unknown version, {@code migration_irreversible}
     *     if a migration to roll back has no down SQL, and as {@link #migrate()}
     */
    MigrationResult migrate(String target);

    /**
     * Rolls back the applied migration {@code version} and every applied migration above it, newest first.
     *
     * @param version an applied version
     * @return what this call rolled back
     * @throws MigrationException {@code migration_not_applied} if {@code version} is not applied, and as
     *     {@link #migrate(String)}
     */
    MigrationResult rollback(String version);

    /**
     * Rolls back the {@code steps} newest applied migrations, newest first; fewer if fewer are applied. Two
     * runners calling this at once roll back {@code steps} migrations in all, not twice as many.
     *
     * @param steps how many; at least 1
     * @return what this call rolled back
     * @throws dev.weft.core.InvalidInputException if {@code steps < 1}
     * @throws MigrationException as {@link #migrate(String)}
     */
    MigrationResult rollback(int steps);

    /**
     * Reads where each migration stands. Takes no lock.
     *
     * @return every migration of the source and every one the database records, ordered by version
     * @throws MigrationException for a bad source
     * @throws dev.weft.db.DatabaseException if the schema table cannot be read
     */
    List<MigrationStatus> status();

    /**
     * @return the migrations that are failed, changed or missing, ordered by version; empty when all is well
     * @throws MigrationException for a bad source
     */
    List<MigrationStatus> validate();

    /**
     * @return the pending migrations, ordered by version: empty when the database is current
     * @throws MigrationException for a bad source
     */
    List<Migration> pending();

    /**
     * For readiness checks.
     *
     * @return whether no migration is pending, failed, changed or missing
     * @throws MigrationException for a bad source
     */
    boolean isCurrent();

    /**
     * Resolves a blocking state once a human has dealt with it: a {@link MigrationState#CHANGED} migration is
     * accepted as it is now (its checksum is updated; its SQL does not run again); a {@link MigrationState#FAILED}
     * one becomes pending again, for after the database was put back by hand as it was before the migration;
     * a {@link MigrationState#MISSING} one is forgotten (its schema changes stay in the database).
     *
     * @param version the version
     * @throws MigrationException {@code migration_not_found} if the database records no such version, or it is
     *     applied and unchanged
     */
    void repair(String version);

    /**
     * Records a failed or pending migration as applied without running it: after a failed one was completed by
     * hand, or to adopt a schema made outside weft.
     *
     * @param version a version the source has
     * @throws MigrationException {@code migration_not_found} if the source has no such version
     */
    void markApplied(String version);
}
