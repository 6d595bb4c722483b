package dev.weft.db.internal;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.net.URLConnection;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteJDBCLoader;
import org.sqlite.util.LibraryLoaderUtil;
import org.sqlite.util.OSInfo;
import java.util.Objects;

/**
 * Loads sqlite-jdbc's native library from a per-user cache instead of letting the driver unpack it on every start.
 *
 * <p>The driver copies its 1 MB library out of the jar into {@code java.io.tmpdir} under a new random name at each
 * start and then compares the copy with the jar byte by byte, which took about 190 ms of a 2.2 s weft start on a
 * cold JVM. Here the library is unpacked once per driver version into {@code $XDG_CACHE_HOME/weft} (or
 * {@code ~/.cache/weft}), a directory only the user can write, by an atomic rename, and the driver is pointed at it
 * with its own {@code org.sqlite.lib.path} and {@code org.sqlite.lib.name} properties. Anything unusual (those
 * properties already set, no writable home, a platform the driver does not ship) leaves the driver to do as it always
 * does.
 */
final class SqliteNativeLibrary {
    private static final Logger LOG = LoggerFactory.getLogger(SqliteNativeLibrary.class);
    private static final String PATH_PROPERTY = "org.sqlite.lib.path";
    private static final String NAME_PROPERTY = "org.sqlite.lib.name";
    private static final AtomicBoolean PREPARED = new AtomicBoolean();

    private SqliteNativeLibrary() {
    }

    /** Points the driver at the cached copy, unpacking it first if needed; once per JVM, before any connection. */
    static void useCachedCopy() {
        if (!PREPARED.compareAndSet(false, true) || System.getProperty(PATH_PROPERTY) != null) {
            return;
        }
        Path root = cacheRoot(System.getenv(), System.getProperty("user.home"));
        if (root == null) {
            return;
        }
        try {
            Path file = cachedCopy(root);
            if (file != null) {
                System.setProperty(NAME_PROPERTY, file.getFileName().toString());
                System.setProperty(PATH_PROPERTY, Objects.requireNonNull(file.getParent(), "parent").toString());
            }
        } catch (IOException | RuntimeException e) {
            LOG.atDebug().setMessage("sqlite native library not cached; the driver unpacks it").setCause(e).log();
        }
    }

    /**
     * @param env the environment
     * @param home the user's home directory, if known
     * @return where weft keeps per-user caches, or {@code null} if there is no home
     */
    static @Nullable Path cacheRoot(Map<String, String> env, @Nullable String home) {
        String xdg = env.get("XDG_CACHE_HOME");
        if (xdg != null && !xdg.isBlank() && Path.of(xdg).isAbsolute()) {
            return Path.of(xdg, "weft");
        }
        return home == null || home.isBlank() ? null : Path.of(home, ".cache", "weft");
    }

    /**
     * Returns the library unpacked under {@code root}, unpacking it if it is missing or its size differs from the
     * jar's.
     *
     * @param root the cache root
     * @return the library file, or {@code null} if the driver has no library for this platform
     * @throws IOException if the cache cannot be written
     */
    static @Nullable Path cachedCopy(Path root) throws IOException {
        String name = LibraryLoaderUtil.getNativeLibName();
        URL resource = SQLiteJDBCLoader.class.getResource(LibraryLoaderUtil.getNativeLibResourcePath() + "/" + name);
        if (resource == null) {
            return null;
        }
        Path dir = root.resolve("sqlite-jdbc-" + SQLiteJDBCLoader.getVersion())
                .resolve(OSInfo.getNativeLibFolderPathForCurrentOS());
        Path file = dir.resolve(name);
        URLConnection connection = resource.openConnection();
        connection.setUseCaches(false);
        long size = connection.getContentLengthLong();
        try (InputStream in = connection.getInputStream()) {
            if (Files.isRegularFile(file) && Files.size(file) == size) {
                return file;
            }
            createPrivateDirectories(dir);
            Path partial = Files.createTempFile(dir, name, ".partial");
            try {
                Files.copy(in, partial, StandardCopyOption.REPLACE_EXISTING);
                // a rename, so that a concurrent start sees either no file or the whole library
                Files.move(partial, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } finally {
                Files.deleteIfExists(partial);
            }
        }
        return file;
    }

    private static void createPrivateDirectories(Path dir) throws IOException {
        if (Files.isDirectory(dir)) {
            return;
        }
        if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(
                    "rwx------")));
        } else {
            Files.createDirectories(dir);
        }
        if (!Files.isWritable(dir)) {
            throw new AccessDeniedException(dir.toString());
        }
    }
}
