package dev.weft.db.migrate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MigrationSourceTest {
    @TempDir
    Path folder;

    @Test
    void createsATimestampVersionFromTheClock() {
        Clock clock = Clock.fixed(Instant.parse("2026-11-23T12:34:56Z"), ZoneOffset.UTC);

        Migration migration = Migrations.create(clock, "add_user_preferences", "Add preferences",
                "CREATE TABLE p (id INTEGER);", "DROP TABLE p;");

        assertThat(migration.version()).isEqualTo("20261123_123456");
        assertThat(migration.fileName()).isEqualTo("V20261123_123456__add_user_preferences.sql");
    }

    @Test
    void readsAFolderOrderedByVersionAndRoundTripsTheFileFormat() throws IOException {
        Migration second = new Migration("20261123_120000", "second", "Second one", "CREATE TABLE b (id INT);",
                "DROP TABLE b;");
        Migration first = new Migration("9", "first", "", "CREATE TABLE a (id INT);", "");
        Files.writeString(folder.resolve(second.fileName()), second.fileContent());
        Files.writeString(folder.resolve(first.fileName()), first.fileContent());
        Files.writeString(folder.resolve("README.md"), "not a migration");

        List<Migration> migrations = MigrationSource.directory(folder).migrations();

        assertThat(migrations).containsExactly(first, second);
        assertThat(migrations.get(1).checksum()).isEqualTo(second.checksum());
        assertThat(first.reversible()).isFalse();
    }

    @Test
    void aChecksumIsTheSqlsSha256ComputedOnce() throws Exception {
        Migration migration = new Migration("7", "seven", "", "CREATE TABLE s (id INT);", "DROP TABLE s;");
        java.security.MessageDigest sha = java.security.MessageDigest.getInstance("SHA-256");
        sha.update("CREATE TABLE s (id INT);".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        sha.update((byte) 0);
        sha.update("DROP TABLE s;".getBytes(java.nio.charset.StandardCharsets.UTF_8));

        assertThat(migration.checksum()).isEqualTo(java.util.HexFormat.of().formatHex(sha.digest()))
                .isSameAs(migration.checksum());
        assertThat(new Migration("7", "seven", "", "CREATE TABLE s (id INT);", "").checksum())
                .isNotEqualTo(migration.checksum());
    }

    @Test
    void parsesUpAndDownSectionsAndTheDescription() {
        Migration migration = MigrationFiles.parse("V1_2__create_users.sql", """
                -- description: Create the users table
                -- some other comment
                -- up
                CREATE TABLE users (id INT);
                -- DOWN
                DROP TABLE users;
                """, "test");

        assertThat(migration.version()).isEqualTo("1_2");
        assertThat(migration.name()).isEqualTo("create_users");
        assertThat(migration.description()).isEqualTo("Create the users table");
        assertThat(migration.up()).isEqualTo("CREATE TABLE users (id INT);");
        assertThat(migration.down()).isEqualTo("DROP TABLE users;");
    }

    @Test
    void rejectsDuplicateVersions() throws IOException {
        Files.writeString(folder.resolve("V1__a.sql"), "CREATE TABLE a (id INT);");
        Files.writeString(folder.resolve("V01__b.sql"), "CREATE TABLE b (id INT);");

        assertThatThrownBy(() -> MigrationSource.directory(folder).migrations())
                .isInstanceOfSatisfying(MigrationException.class,
                        e -> assertThat(e.code()).isEqualTo("duplicate_migration_version"));
    }

    @Test
    void rejectsABadlyNamedSqlFile() throws IOException {
        Files.writeString(folder.resolve("create_users.sql"), "CREATE TABLE a (id INT);");

        assertThatThrownBy(() -> MigrationSource.directory(folder).migrations())
                .isInstanceOfSatisfying(MigrationException.class, e -> {
                    assertThat(e.code()).isEqualTo("invalid_migration");
                    assertThat(e.getMessage()).contains("V<version>__<name>.sql");
                });
    }

    @Test
    void readsAClasspathFolderInADirectory() {
        List<Migration> migrations = MigrationSource.classpath("weft-test-migrations").migrations();

        assertThat(migrations).extracting(Migration::version).containsExactly("20261123_100000", "20261123_110000");
        assertThat(migrations.getFirst().down()).isNotEmpty();
    }

    @Test
    void readsAClasspathFolderInAJar() throws IOException {
        Path jar = folder.resolve("migrations.jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
            out.putNextEntry(new JarEntry("db/"));
            out.putNextEntry(new JarEntry("db/migrations/"));
            write(out, "db/migrations/V2__second.sql", "-- up\nCREATE TABLE b (id INT);\n-- down\nDROP TABLE b;");
            write(out, "db/migrations/V1__first.sql", "CREATE TABLE a (id INT);");
            write(out, "db/migrations/nested/V3__ignored.sql", "CREATE TABLE c (id INT);");
        }

        try (URLClassLoader loader = new URLClassLoader(new URL[] {jar.toUri().toURL()}, null)) {
            List<Migration> migrations = MigrationSource.classpath("db/migrations", loader).migrations();

            assertThat(migrations).extracting(Migration::name).containsExactly("first", "second");
        }
    }

    private static void write(OutputStream out, String name, String text) throws IOException {
        ((JarOutputStream) out).putNextEntry(new JarEntry(name));
        out.write(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
}
