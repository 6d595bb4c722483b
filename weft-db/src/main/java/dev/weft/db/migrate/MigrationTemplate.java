package dev.weft.db.migrate;

import java.time.Clock;
import java.util.Objects;

/**
 * A ready-made migration without a version yet, as {@link CommonMigrations} gives them.
 *
 * @param name the migration name, e.g. {@code create_users_table}
 * @param description one line for humans
 * @param up the SQL that creates the table and its indexes
 * @param down the SQL that drops them
 */
public record MigrationTemplate(String name, String description, String up, String down) {
    /** Checks that no component is null. */
    public MigrationTemplate {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(description, "description");
        Objects.requireNonNull(up, "up");
        Objects.requireNonNull(down, "down");
    }

    /**
     * @param version the version to give it, e.g. {@code 20261123_120000}
     * @return the migration
     * @throws MigrationException {@code invalid_migration} for a malformed version
     */
    public Migration migration(String version) {
        return new Migration(version, name, description, up, down);
    }

    /**
     * @param clock the clock whose current UTC time, {@code yyyyMMdd_HHmmss}, is the version
     * @return the migration
     */
    public Migration migration(Clock clock) {
        return migration(Migrations.version(clock));
    }
}
