package dev.weft.db.migrate;

import dev.weft.db.Database;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Objects;

/**
 * Entry points of weft's migration runner: create migrations (the guides' {@code create_migration}) and open
 * runners over a database. Stateless and thread-safe.
 */
public final class Migrations {
    private static final DateTimeFormatter VERSION = DateTimeFormatter.ofPattern("yyyyMMdd_HHmmss")
            .withZone(ZoneOffset.UTC);

    private Migrations() {
    }

    /**
     * Creates a migration whose version is the current UTC time, {@code yyyyMMdd_HHmmss}. Two created in the same
     * second share a version: a source rejects that, so give one an explicit version.
     *
     * @param name a short name, e.g. {@code add_user_preferences}
     * @param description one line for humans
     * @param up the SQL that applies it
     * @param down the SQL that undoes it; empty if it cannot be undone
     * @return the migration; write it to a folder with {@link Migration#fileName()} and
     *     {@link Migration#fileContent()}
     * @throws MigrationException {@code invalid_migration} for a bad name or blank up SQL
     */
    public static Migration create(String name, String description, String up, String down) {
        return create(Clock.systemUTC(), name, description, up, down);
    }

    /**
     * As {@link #create(String, String, String, String)}, with the version read from {@code clock}.
     *
     * @param clock the clock that gives the version
     * @param name a short name
     * @param description one line for humans
     * @param up the SQL that applies it
     * @param down the SQL that undoes it; empty if it cannot be undone
     * @return the migration
     */
    public static Migration create(Clock clock, String name, String description, String up, String down) {
        Objects.requireNonNull(clock, "clock");
        return new Migration(version(clock), name, description, up, down);
    }

    /**
     * @param clock a clock
     * @return its current UTC time as a version, {@code yyyyMMdd_HHmmss}
     */
    public static String version(Clock clock) {
        return VERSION.format(Objects.requireNonNull(clock, "clock").instant());
    }

    /**
     * @param database the database to migrate; stays open and owned by the caller
     * @param source where the migrations come from
     * @return a runner with {@link MigrationConfig#defaults()}
     */
    public static MigrationRunner runner(Database database, MigrationSource source) {
        return runner(database, source, MigrationConfig.defaults());
    }

    /**
     * @param database the database to migrate; stays open and owned by the caller
     * @param source where the migrations come from
     * @param config the schema table, lock wait, statement timeout and clock
     * @return a runner
     */
    public static MigrationRunner runner(Database database, MigrationSource source, MigrationConfig config) {
        return new DatabaseMigrationRunner(Objects.requireNonNull(database, "database"),
                Objects.requireNonNull(source, "source"), Objects.requireNonNull(config, "config"));
    }
}
