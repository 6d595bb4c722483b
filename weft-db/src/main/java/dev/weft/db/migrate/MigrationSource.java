package dev.weft.db.migrate;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * Where migrations come from: a classpath folder, a filesystem folder, or a list built in code. A source is read
 * again by every runner operation, so edits to a folder are seen without a restart.
 *
 * <p>Folders hold one file per migration in this format, named {@code V<version>__<name>.sql}
 * ({@code V20261123_120000__create_users.sql}); other files ending in {@code .sql} are an error, files with other
 * endings are ignored, subfolders are not read:
 *
 * <pre>
 * -- description: Create the users table
 * -- up
 * CREATE TABLE users (id BIGSERIAL PRIMARY KEY, email VARCHAR(255) NOT NULL UNIQUE);
 * CREATE INDEX idx_users_created_at ON users (created_at);
 * -- down
 * DROP TABLE users;
 * </pre>
 *
 * <p>{@code -- up} and {@code -- down} are lines of their own (case-insensitive). Before {@code -- up} only
 * comments may stand; {@code -- description: ...} there is the description. A file without markers is all up SQL
 * and cannot be rolled back. Files are read as UTF-8. {@link Migration#fileContent()} writes this format.
 *
 * <p>Implementations must be thread-safe; the ones here are.
 */
@FunctionalInterface
public interface MigrationSource {
    /**
     * Reads the migrations. Blocks while files are read.
     *
     * @return every migration, ordered by version, no two with the same version
     * @throws MigrationException {@code invalid_migration} for a malformed or unreadable file or a missing folder,
     *     {@code duplicate_migration_version} for two migrations with one version
     */
    List<Migration> migrations();

    /**
     * @param folder a folder of migration files, e.g. {@code src/main/resources/db/migrations}
     * @return a source that reads the folder on each call
     */
    static MigrationSource directory(Path folder) {
        Objects.requireNonNull(folder, "folder");
        return () -> MigrationLoader.fromDirectory(folder);
    }

    /**
     * A folder on the class path (in a directory or in a jar), through the thread's context class loader, or this
     * library's loader when there is none.
     *
     * @param folder a resource folder, e.g. {@code db/migrations} (no leading slash needed)
     * @return a source that lists the folder on each call
     */
    static MigrationSource classpath(String folder) {
        Objects.requireNonNull(folder, "folder");
        return () -> {
            ClassLoader context = Thread.currentThread().getContextClassLoader();
            return MigrationLoader.fromClasspath(folder,
                    context != null ? context : MigrationSource.class.getClassLoader());
        };
    }

    /**
     * @param folder a resource folder, e.g. {@code db/migrations}
     * @param loader the class loader whose class path holds it
     * @return a source that lists the folder on each call
     */
    static MigrationSource classpath(String folder, ClassLoader loader) {
        Objects.requireNonNull(folder, "folder");
        Objects.requireNonNull(loader, "loader");
        return () -> MigrationLoader.fromClasspath(folder, loader);
    }

    /**
     * @param migrations migrations built in code, in any order
     * @return a source of exactly these migrations, ordered by version
     * @throws MigrationException {@code duplicate_migration_version} for two with one version
     */
    static MigrationSource of(List<Migration> migrations) {
        List<Migration> ordered = MigrationLoader.ordered(migrations);
        return () -> ordered;
    }

    /**
     * @param migrations migrations built in code, in any order
     * @return a source of exactly these migrations, ordered by version
     * @throws MigrationException {@code duplicate_migration_version} for two with one version
     */
    static MigrationSource of(Migration... migrations) {
        return of(List.of(migrations));
    }
}
