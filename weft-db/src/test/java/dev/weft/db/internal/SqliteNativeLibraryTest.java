package dev.weft.db.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.db.Database;
import dev.weft.db.DatabaseConfig;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sqlite.SQLiteJDBCLoader;
import org.sqlite.util.LibraryLoaderUtil;

/** sqlite-jdbc's native library is unpacked once into a private per-user cache and reused by later starts. */
class SqliteNativeLibraryTest {
    @TempDir
    Path dir;

    @Test
    void unpacksOnceIntoAPrivateDirectoryAndReusesTheCopy() throws IOException {
        Path first = SqliteNativeLibrary.cachedCopy(dir);

        assertThat(first).isNotNull().isRegularFile();
        assertThat(Files.readAllBytes(first)).isEqualTo(jarCopy());
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(first.getParent())))
                .isEqualTo("rwx------");
        FileTime stamp = FileTime.from(Instant.parse("2020-01-01T00:00:00Z"));
        Files.setLastModifiedTime(first, stamp);

        Path second = SqliteNativeLibrary.cachedCopy(dir);

        assertThat(second).isEqualTo(first);
        assertThat(Files.getLastModifiedTime(second)).isEqualTo(stamp);
        try (var listing = Files.list(first.getParent())) {
            assertThat(listing).containsExactly(first);
        }
    }

    @Test
    void replacesACopyOfTheWrongSize() throws IOException {
        Path file = SqliteNativeLibrary.cachedCopy(dir);
        Files.write(file, new byte[] {1, 2, 3});

        Path again = SqliteNativeLibrary.cachedCopy(dir);

        assertThat(Files.readAllBytes(again)).isEqualTo(jarCopy());
    }

    @Test
    void cacheRootFollowsXdgThenHome() {
        assertThat(SqliteNativeLibrary.cacheRoot(Map.of("XDG_CACHE_HOME", "/var/cache/u"), "/home/u"))
                .isEqualTo(Path.of("/var/cache/u/weft"));
        assertThat(SqliteNativeLibrary.cacheRoot(Map.of("XDG_CACHE_HOME", "relative"), "/home/u"))
                .isEqualTo(Path.of("/home/u/.cache/weft"));
        assertThat(SqliteNativeLibrary.cacheRoot(Map.of(), null)).isNull();
    }

    @Test
    void theDriverLoadsTheCachedCopy() {
        try (Database db = Database.builder(DatabaseConfig.sqlite(dir.resolve("t.db").toString())).build()) {
            assertThat(db.query("SELECT sqlite_version() AS v", Map.of(), String.class).getFirst()).isNotBlank();
        }

        String path = System.getProperty("org.sqlite.lib.path");
        assertThat(path).as("set by the first SQLite pool in this JVM").isNotNull();
        assertThat(Path.of(path, System.getProperty("org.sqlite.lib.name"))).isRegularFile();
    }

    private static byte[] jarCopy() throws IOException {
        String resource = LibraryLoaderUtil.getNativeLibResourcePath() + "/" + LibraryLoaderUtil.getNativeLibName();
        try (InputStream in = SQLiteJDBCLoader.class.getResourceAsStream(resource)) {
            assertThat(in).isNotNull();
            return in.readAllBytes();
        }
    }
}
