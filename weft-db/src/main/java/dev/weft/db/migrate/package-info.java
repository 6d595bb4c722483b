/**
 * weft's migration runner: versioned schema changes with up and down SQL, applied in order, recorded in a schema
 * table, safe when several processes migrate at once. DESIGN §3 explains why weft has its own runner.
 *
 * <ul>
 *   <li>{@link dev.weft.db.migrate.Migration}: one change (version, name, description, up, down, checksum);
 *       {@link dev.weft.db.migrate.Migrations#create} makes one with a {@code yyyyMMdd_HHmmss} version.</li>
 *   <li>{@link dev.weft.db.migrate.MigrationSource}: a classpath folder, a filesystem folder (one
 *       {@code V<version>__<name>.sql} file per migration, with {@code -- up} and {@code -- down} sections)
 *       or a list.</li>
 *   <li>{@link dev.weft.db.migrate.MigrationRunner} from {@link dev.weft.db.migrate.Migrations#runner}: migrate,
 *       migrate to a version, rollback, status, validate, pending, repair.</li>
 *   <li>{@link dev.weft.db.migrate.CommonMigrations}: the guides' users, videos and model_usage tables per
 *       dialect.</li>
 *   <li>Failures: {@link dev.weft.db.migrate.MigrationException}, a {@link dev.weft.core.WeftException}.</li>
 * </ul>
 */
@NullMarked
package dev.weft.db.migrate;

import org.jspecify.annotations.NullMarked;
