package dev.weft.db;

import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.IdentityHashMap;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Why a connection to a database could not be opened, as one human sentence: the root cause and what to do about
 * it ({@code connection refused by 127.0.0.1:5999: is the server running, on that port?}). Read from the driver's
 * exception by walking its cause chain (SQLStates, vendor codes, {@link ConnectException},
 * {@link UnknownHostException}, SQLite result codes); the description is built from the config, never from the
 * driver's message, so it holds no password.
 *
 * <p>Immutable and thread-safe.
 *
 * @param reason what kind of failure
 * @param description the cause and the fix, one sentence, no trailing period
 */
public record ConnectFailure(Reason reason, String description) implements java.io.Serializable {
    /** The kinds of failure; each says whether trying again can help. */
    public enum Reason {
        /** Nothing listens at the address (the server is down, starting, or on another port). Retried. */
        REFUSED("connection_refused", false),
        /** The host name does not resolve (yet: DNS of a container platform may lag). Retried. */
        UNKNOWN_HOST("unknown_host", false),
        /** No answer within the connect timeout. Retried. */
        TIMED_OUT("connect_timeout", false),
        /** The server is starting up, shutting down or in recovery. Retried. */
        STARTING("database_starting", false),
        /** The SQLite file is locked by another process. Retried: a backup or a second process may let go. */
        LOCKED("database_locked", false),
        /** The server answers, but the database named does not exist. Permanent. */
        NO_SUCH_DATABASE("database_not_found", true),
        /** The server refused the user or the password. Permanent. */
        AUTHENTICATION_FAILED("authentication_failed", true),
        /** The SQLite file's directory cannot be created or written, or the file is read-only. Permanent. */
        NOT_WRITABLE("directory_not_writable", true),
        /** The SQLite file is not a database, or is damaged. Permanent. */
        NOT_A_DATABASE("not_a_database", true),
        /** Anything else the driver reported. Retried. */
        OTHER("cannot_connect", false);

        private final String code;
        private final boolean permanent;

        Reason(String code, boolean permanent) {
            this.code = code;
            this.permanent = permanent;
        }

        /** @return the stable error code, e.g. {@code connection_refused} */
        public String code() {
            return code;
        }

        /** @return whether waiting cannot help: the settings (or the server's setup) must change */
        public boolean permanent() {
            return permanent;
        }
    }

    /** Validates the fields. */
    public ConnectFailure {
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(description, "description");
    }

    /** @return whether waiting cannot help; see {@link Reason#permanent()} */
    public boolean permanent() {
        return reason.permanent();
    }

    /**
     * Reads the root cause of a failed connect.
     *
     * @param failure what the driver (or the pool) threw
     * @param config the database it tried to reach, for the address and names in the description
     * @return the failure, described
     */
    public static ConnectFailure of(Throwable failure, DatabaseConfig config) {
        Objects.requireNonNull(failure, "failure");
        Objects.requireNonNull(config, "config");
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof DatabaseUnreachableException known) {
                return known.failure(); // classified already
            }
            if (cause.getCause() == cause) {
                break;
            }
        }
        if (config.type() == DatabaseType.SQLITE) {
            return ofSqlite(failure, config);
        }
        String address = address(config);
        Set<Throwable> seen = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        @Nullable String firstState = null;
        int firstCode = 0;
        for (Throwable cause : chain(failure, seen)) {
            if (cause instanceof UnknownHostException) {
                return new ConnectFailure(Reason.UNKNOWN_HOST, "unknown host " + hostName(config)
                        + ": check the host name in the database URL (DATABASE_URL)");
            }
            if (cause instanceof ConnectException || cause instanceof NoRouteToHostException) {
                return refused(address);
            }
            if (cause instanceof SocketTimeoutException) {
                return timedOut(address, config);
            }
            if (cause instanceof SQLException sql) {
                String state = sql.getSQLState();
                int code = sql.getErrorCode();
                ConnectFailure known = ofServerError(state, code, address, config);
                if (known != null) {
                    return known;
                }
                if (firstState == null && state != null) {
                    firstState = state;
                    firstCode = code;
                }
            }
        }
        if (String.valueOf(failure.getMessage()).toLowerCase(Locale.ROOT).contains("connection refused")) {
            return refused(address); // a driver that drops the ConnectException from the chain
        }
        return new ConnectFailure(Reason.OTHER, "cannot connect to " + address
                + (firstState != null ? " (SQLState " + firstState + (firstCode != 0 ? ", error " + firstCode : "")
                        + ")" : "") + ": the driver said: " + driverMessage(failure));
    }

    /** The SQLStates and vendor codes of a server that answered; {@code null} for any other. */
    private static @Nullable ConnectFailure ofServerError(@Nullable String state, int code, String address,
            DatabaseConfig config) {
        boolean mysqlFamily = config.type() == DatabaseType.MYSQL || config.type() == DatabaseType.MARIADB;
        if ("3D000".equals(state) || mysqlFamily && code == 1049) {
            return new ConnectFailure(Reason.NO_SUCH_DATABASE, "database '" + config.database()
                    + "' does not exist on " + address + ": create it ("
                    + (mysqlFamily ? "CREATE DATABASE " + config.database() : "createdb " + config.database())
                    + ") or fix the name in the database URL (DATABASE_URL)");
        }
        if ("28P01".equals(state) || "28000".equals(state) || mysqlFamily && (code == 1045 || code == 1044
                || code == 1698)) {
            return new ConnectFailure(Reason.AUTHENTICATION_FAILED, "authentication failed for user '"
                    + config.username() + "' on " + address
                    + ": check the user and password in the database URL (DATABASE_URL, or DATABASE_USER and"
                    + " DATABASE_PASSWORD)");
        }
        if ("57P03".equals(state) || mysqlFamily && (code == 1053 || code == 1927)) {
            return new ConnectFailure(Reason.STARTING, "the server at " + address
                    + " is starting up or shutting down: waiting for it");
        }
        if (mysqlFamily && (code == 2002 || code == 2003)) {
            return refused(address);
        }
        if (mysqlFamily && code == 2005) {
            return new ConnectFailure(Reason.UNKNOWN_HOST, "unknown host " + hostName(config)
                    + ": check the host name in the database URL (DATABASE_URL)");
        }
        return null;
    }

    private static ConnectFailure ofSqlite(Throwable failure, DatabaseConfig config) {
        Path file = Path.of(config.database()).toAbsolutePath();
        for (Throwable cause : chain(failure, java.util.Collections.newSetFromMap(new IdentityHashMap<>()))) {
            String message = String.valueOf(cause.getMessage());
            if (message.contains("SQLITE_BUSY") || message.contains("SQLITE_LOCKED")) {
                return new ConnectFailure(Reason.LOCKED, "the database file " + file
                        + " is locked by another process: is another weft using the same data directory?");
            }
            if (message.contains("SQLITE_NOTADB") || message.contains("SQLITE_CORRUPT")) {
                return new ConnectFailure(Reason.NOT_A_DATABASE, "the file " + file
                        + " is not a SQLite database, or is damaged: restore it from a backup, or move it away to"
                        + " start with an empty database");
            }
            if (message.contains("SQLITE_READONLY")) {
                return new ConnectFailure(Reason.NOT_WRITABLE, "the database file " + file
                        + " is read-only: fix its permissions or choose another data directory");
            }
            if (message.contains("SQLITE_CANTOPEN") || message.contains("SQLITE_IOERR")
                    || message.contains("SQLITE_PERM")) {
                ConnectFailure directory = unwritableDirectory(file.getParent(), SQLITE_PATH_FIX);
                if (directory != null) {
                    return directory;
                }
                return new ConnectFailure(Reason.NOT_WRITABLE, "the database file " + file
                        + " cannot be opened for writing: fix its permissions or choose another data directory");
            }
        }
        return new ConnectFailure(Reason.OTHER, "cannot open the SQLite database " + file
                + ": the driver said: " + driverMessage(failure));
    }

    /**
     * @param failure what the driver threw
     * @return the innermost message it gave, on one line and at most 300 characters (the description was "see the
     *     log", which had no line for it)
     */
    static String driverMessage(Throwable failure) {
        String message = null;
        for (Throwable cause : chain(failure, java.util.Collections.newSetFromMap(new IdentityHashMap<>()))) {
            if (cause.getMessage() != null && !cause.getMessage().isBlank()) {
                message = cause.getMessage();
            }
        }
        if (message == null) {
            return "(no message)";
        }
        String line = message.strip().replaceAll("\\s+", " ").replaceAll("\\p{Cntrl}", "?");
        return line.length() > 300 ? line.substring(0, 300) + "..." : line;
    }

    /** The fix for a SQLite file whose directory cannot be used, when the file was configured by URL. */
    static final String SQLITE_PATH_FIX = "choose another path for the SQLite file in the database URL (DATABASE_URL)";

    /**
     * Tells why files cannot be created in {@code directory}, if they cannot: it does not exist and cannot be
     * created (a file stands in its path), or it cannot be written. As root, only the first, a read-only mount or an
     * immutable directory are found: root may write everything else.
     *
     * @param directory the directory a database file is to live in
     * @param fix what the user can do, e.g. which setting names another directory
     * @return the failure, or {@code null} if the directory exists (or can be created) and is writable
     */
    public static @Nullable ConnectFailure unwritableDirectory(@Nullable Path directory, String fix) {
        Objects.requireNonNull(fix, "fix");
        if (directory == null) {
            return null;
        }
        Path absolute = directory.toAbsolutePath();
        Path existing = absolute;
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (existing != null && !Files.isDirectory(existing)) {
            return new ConnectFailure(Reason.NOT_WRITABLE, "directory " + absolute + " cannot be created ("
                    + existing + " is a file, not a directory): " + fix);
        }
        if (existing != null && !Files.isWritable(existing)) {
            return new ConnectFailure(Reason.NOT_WRITABLE, "directory " + (existing.equals(absolute) ? absolute
                    : existing + " (to hold " + absolute + ")") + " is not writable: " + fix);
        }
        return null;
    }

    private static ConnectFailure refused(String address) {
        return new ConnectFailure(Reason.REFUSED, "connection refused by " + address
                + ": is the server running, and on that port?");
    }

    private static ConnectFailure timedOut(String address, DatabaseConfig config) {
        return new ConnectFailure(Reason.TIMED_OUT, "no answer from " + address + " within "
                + config.connectTimeout().toMillis() + " ms: is the host up, and does a firewall let the port through?");
    }

    /** The causes, then each SQLException's next exceptions, each once. */
    private static java.util.List<Throwable> chain(Throwable failure, Set<Throwable> seen) {
        java.util.List<Throwable> all = new java.util.ArrayList<>();
        java.util.ArrayDeque<Throwable> todo = new java.util.ArrayDeque<>();
        todo.add(failure);
        while (!todo.isEmpty() && all.size() < 32) {
            Throwable next = todo.poll();
            if (!seen.add(next)) {
                continue;
            }
            all.add(next);
            if (next.getCause() != null) {
                todo.add(next.getCause());
            }
            if (next instanceof SQLException sql && sql.getNextException() != null) {
                todo.add(sql.getNextException());
            }
            for (Throwable suppressed : next.getSuppressed()) {
                todo.add(suppressed);
            }
        }
        return all;
    }

    private static String hostName(DatabaseConfig config) {
        return config.host();
    }

    private static String address(DatabaseConfig config) {
        String host = config.host();
        return host.indexOf(',') >= 0 ? host : host + ":" + config.port();
    }
}
