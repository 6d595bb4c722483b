package dev.weft.db;

import dev.weft.db.internal.Dialect;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Asks whether a database can be used before anything is built on it: opens one connection of its own, outside
 * any pool, and tells why not ({@link ConnectFailure}) when it cannot. A start-up waits with {@link #await}: a
 * failure that may pass (refused, unknown host, timeout, locked) is tried again until the wait ends, one that
 * cannot (no such database, login refused, directory not writable) ends it at once.
 *
 * {@snippet :
 * ConnectProbe.of(config).await(Duration.ofSeconds(30),
 *         failure -> System.err.println("waiting: " + failure.description()));
 * }
 *
 * <p>Thread-safe; each attempt uses a connection of its own.
 */
public final class ConnectProbe {
    /** The first pause between attempts; it doubles up to {@link #MAX_PAUSE}. */
    static final Duration FIRST_PAUSE = Duration.ofMillis(250);
    /** The longest pause between attempts. */
    static final Duration MAX_PAUSE = Duration.ofSeconds(4);
    /** How long one SQLite attempt waits for a lock before it reports the file locked. */
    static final Duration SQLITE_LOCK_WAIT = Duration.ofSeconds(1);

    private final DatabaseConfig config;
    private final Dialect dialect;

    private ConnectProbe(DatabaseConfig config) {
        this.config = config;
        this.dialect = Dialect.of(config.type());
    }

    /**
     * @param config the database to probe
     * @return a probe of it
     */
    public static ConnectProbe of(DatabaseConfig config) {
        return new ConnectProbe(Objects.requireNonNull(config, "config"));
    }

    /**
     * Connects once, bounded by the config's connect timeout (a SQLite attempt also takes the write lock for at
     * most {@link #SQLITE_LOCK_WAIT}, so a locked file is found now, not when the first write waits it out).
     *
     * @return why the connect failed, or empty if it worked
     */
    public Optional<ConnectFailure> attempt() {
        try {
            connectOnce();
            return Optional.empty();
        } catch (SQLException | RuntimeException e) {
            return Optional.of(ConnectFailure.of(e, config));
        }
    }

    /**
     * Connects, trying again while the failure may pass, until {@code wait} has passed.
     *
     * @param wait how long to keep trying; zero tries once
     * @param eachFailure told of every failed attempt that will be tried again, at once (not of the last one,
     *     which the exception carries)
     * @throws DatabaseUnreachableException at once for a permanent failure, or after {@code wait} with the last
     *     failure's cause
     */
    public void await(Duration wait, Consumer<ConnectFailure> eachFailure) {
        Objects.requireNonNull(eachFailure, "eachFailure");
        long start = System.nanoTime();
        long deadline = start + wait.toNanos();
        Duration pause = FIRST_PAUSE;
        int attempts = 0;
        while (true) {
            attempts++;
            Throwable error;
            try {
                connectOnce();
                return;
            } catch (SQLException | RuntimeException e) {
                error = e;
            }
            ConnectFailure failure = ConnectFailure.of(error, config);
            long left = deadline - System.nanoTime();
            if (failure.permanent() || left <= 0) {
                String waited = failure.permanent() || attempts == 1 ? ""
                        : " (gave up after " + attempts + " attempts in "
                                + TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start) + " s)";
                throw new DatabaseUnreachableException("database '" + config.name() + "': " + failure.description()
                        + waited, failure, error);
            }
            eachFailure.accept(failure);
            try {
                Thread.sleep(Math.min(pause.toMillis(), Math.max(1, TimeUnit.NANOSECONDS.toMillis(left))));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new DatabaseUnreachableException("database '" + config.name()
                        + "': interrupted while waiting for it: " + failure.description(), failure, error);
            }
            pause = pause.multipliedBy(2).compareTo(MAX_PAUSE) > 0 ? MAX_PAUSE : pause.multipliedBy(2);
        }
    }

    private void connectOnce() throws SQLException {
        if (config.type() == DatabaseType.SQLITE) {
            ConnectFailure directory = ConnectFailure.unwritableDirectory(Path.of(config.database())
                    .toAbsolutePath().getParent(), ConnectFailure.SQLITE_PATH_FIX);
            if (directory != null) {
                throw new DatabaseUnreachableException("database '" + config.name() + "': "
                        + directory.description(), directory, null);
            }
        }
        dev.weft.db.internal.ConnectionPool.requireDriver(config);
        dialect.beforeFirstConnection();
        Properties properties = dialect.driverProperties(config);
        Duration bound = config.type() == DatabaseType.SQLITE ? SQLITE_LOCK_WAIT : config.connectTimeout();
        dialect.boundProbe(properties, bound);
        if (!config.username().isEmpty()) {
            properties.setProperty("user", config.username());
        }
        if (!config.password().isEmpty()) {
            properties.setProperty("password", config.password().reveal());
        }
        try (Connection connection = DriverManager.getConnection(dialect.jdbcUrl(config), properties);
                Statement statement = connection.createStatement()) {
            if (config.type() == DatabaseType.SQLITE) {
                // the write lock every migration takes: a file another process holds says so now
                statement.execute("BEGIN IMMEDIATE");
                statement.execute("ROLLBACK");
            }
        }
    }
}
