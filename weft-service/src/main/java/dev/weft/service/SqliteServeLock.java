package dev.weft.service;

import dev.weft.core.ErrorKind;
import dev.weft.core.WeftException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * One serving process per SQLite database file: a service on SQLite holds an operating-system lock on
 * {@code <database file>.lock} for as long as it runs, and a second service on the same file is refused at start.
 * Two would each keep their own in-process caches with no bus between them, so each would go on answering from its
 * cache what the other had changed, breaking the service's promise of no stale read after a write. (SQLite itself
 * would let both write.)
 *
 * <p>The operating system drops the lock when the process ends, however it ends, so a killed service leaves nothing to
 * clean up; the file stays (deleting it on release would let two later starts lock two different files). The commands
 * that only open the database ({@code weft migrate}, {@code weft users import}) take no lock.
 *
 * <p>Not thread-safe; {@link #close} is idempotent.
 */
final class SqliteServeLock implements AutoCloseable {
    /**
     * Another service holds the lock: a mistake in the settings ({@code database_in_use},
     * {@link ErrorKind#INVALID_INPUT}, so {@code weft serve} exits with its configuration code).
     */
    static final class InUse extends WeftException {
        private static final long serialVersionUID = 1L;

        InUse(String message) {
            super(ErrorKind.INVALID_INPUT, "database_in_use", message, null);
        }
    }

    private final FileChannel channel;

    private SqliteServeLock(FileChannel channel) {
        this.channel = channel;
    }

    /**
     * @param config the service's settings
     * @return the lock, held until {@link #close}; {@code null} for a database that is not SQLite
     * @throws InUse if another service holds it
     */
    static @Nullable SqliteServeLock acquire(ServiceConfig config) {
        Optional<Path> sqlite = config.sqliteFile();
        if (sqlite.isEmpty()) {
            return null;
        }
        // what to change for another file, as the operator gave it
        String setting = config.database() == null ? "--data-dir or WEFT_DATA_DIR" : "DATABASE_URL";
        Path file = sqlite.get().toAbsolutePath().normalize();
        Path path = file.resolveSibling(file.getFileName() + ".lock");
        FileChannel channel;
        try {
            channel = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open " + path, e);
        }
        try {
            FileLock lock;
            boolean here = false;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null;
                here = true; // another service in this JVM holds it
            }
            if (lock == null) {
                String holder = holder(channel);
                throw new InUse("the SQLite database " + file + " is served by "
                        + (here ? "another weft service in this process"
                                : "another weft process" + (holder.isEmpty() ? "" : " (pid " + holder + ")"))
                        + ": stop it, or give this one another database with " + setting);
            }
            channel.truncate(0);
            channel.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n")
                    .getBytes(StandardCharsets.US_ASCII)), 0);
            channel.force(false);
            return new SqliteServeLock(channel);
        } catch (IOException e) {
            closeQuietly(channel);
            throw new UncheckedIOException("cannot lock " + path, e);
        } catch (RuntimeException e) {
            closeQuietly(channel);
            throw e;
        }
    }

    /** @return the process id the holder wrote, or "" if it cannot be read */
    private static String holder(FileChannel channel) {
        try {
            ByteBuffer buffer = ByteBuffer.allocate(32);
            channel.read(buffer, 0);
            String text = new String(buffer.array(), 0, buffer.position(), StandardCharsets.US_ASCII).strip();
            return text.matches("[0-9]{1,19}") ? text : "";
        } catch (IOException e) {
            return "";
        }
    }

    private static void closeQuietly(FileChannel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // a start that fails has its reason already; a stop's process ends soon after, and the lock with it
        }
    }

    /** Releases the lock; never throws, as it runs last in a stop. */
    @Override
    public void close() {
        // closing the channel releases its lock too
        closeQuietly(channel);
    }
}
