package dev.weft.db.internal;

import dev.weft.core.ErrorKind;
import dev.weft.db.ConstraintViolationException;
import dev.weft.db.DatabaseException;
import dev.weft.db.DatabaseReadOnlyException;
import dev.weft.db.DatabaseUnavailableException;
import dev.weft.db.QueryTimeoutException;
import java.sql.SQLException;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * Translates a driver's {@link SQLException} into weft's error model, once, at the boundary. Messages name the
 * database, the operation and what went wrong; they never carry the driver's message where it may echo a bound
 * value (constraint details, invalid input text).
 */
public final class SqlErrors {
    private SqlErrors() {
    }

    /**
     * @param error the driver's exception
     * @param dialect the dialect that classifies it
     * @param database the database's name
     * @param operation what was being done, e.g. {@code insert into users} or {@code query q-12}
     * @param timeout the timeout in force when the statement was cancelled by weft, or {@code null}
     * @return the weft exception, with {@code error} as its cause
     */
    public static DatabaseException translate(SQLException error, Dialect dialect, String database, String operation,
            @Nullable Duration timeout) {
        return translate(error, dialect.classify(error), database, operation, timeout);
    }

    /**
     * As {@link #translate(SQLException, Dialect, String, String, Duration)}, for a caller that has classified the
     * error already (it decides the connection's fate on the same fault).
     *
     * @param error the driver's exception
     * @param fault the dialect's classification of {@code error}
     * @param database the database's name
     * @param operation what was being done
     * @param timeout the timeout in force when the statement was cancelled by weft, or {@code null}
     * @return the weft exception, with {@code error} as its cause
     */
    public static DatabaseException translate(SQLException error, SqlFault fault, String database, String operation,
            @Nullable Duration timeout) {
        String state = error.getSQLState();
        String where = "database '" + database + "': " + operation;
        if (timeout != null) {
            return new QueryTimeoutException(where + " cancelled after its " + timeout.toMillis() + " ms timeout",
                    state, error);
        }
        return switch (fault) {
            case UNIQUE -> new ConstraintViolationException(ConstraintViolationException.Constraint.UNIQUE,
                    where + " violates a unique constraint", state, error);
            case FOREIGN_KEY -> new ConstraintViolationException(ConstraintViolationException.Constraint.FOREIGN_KEY,
                    where + " violates a foreign-key constraint", state, error);
            case INVALID_VALUE -> new DatabaseException(ErrorKind.INVALID_INPUT, "invalid_value",
                    where + ": the database rejected a value (" + describeValueFault(error, state) + ")", state,
                    false, error);
            case TOO_LARGE -> new DatabaseException(ErrorKind.INVALID_INPUT, "value_too_large", where
                    + ": the statement and its values are larger than the server takes in one packet"
                    + " (max_allowed_packet); nothing was run", state, false, error);
            case CONNECTION -> new DatabaseUnavailableException(where + " lost its connection or was refused ("
                    + error.getClass().getSimpleName() + (state == null ? "" : ", SQLState " + state) + ")",
                    state, error);
            case SERIALIZATION -> new DatabaseException(ErrorKind.CONFLICT, "serialization_failure",
                    where + " failed on a serialization conflict or deadlock; retrying may succeed", state, true,
                    error);
            case READ_ONLY -> new DatabaseReadOnlyException(where + " was refused: the server accepts no writes"
                    + " (a standby, or a primary being failed over)", state, error);
            case CANCELLED -> new QueryTimeoutException(where + " was cancelled by the database's statement timeout",
                    state, error);
            case OTHER -> new DatabaseException(ErrorKind.INTERNAL, "sql_error",
                    where + " failed: " + firstLine(error.getMessage()), state, false, error);
        };
    }

    /**
     * @param fault a classified fault
     * @return whether the connection that produced it must be discarded
     */
    public static boolean poisonsConnection(SqlFault fault) {
        return fault == SqlFault.CONNECTION || fault == SqlFault.CANCELLED || fault == SqlFault.READ_ONLY
                || fault == SqlFault.TOO_LARGE;
    }

    private static String describeValueFault(SQLException error, String state) {
        String text = state == null ? "" : state;
        String message = String.valueOf(error.getMessage());
        if (message.contains("Incorrect ") && message.contains(" value")) {
            // MySQL's "Incorrect integer/decimal/datetime value" (1366, 1292): MySQL Connector/J sends it as a data
            // truncation with SQLState 22001, which would otherwise read as "too long"
            return "wrong format for its column" + (text.equals("22001") ? "" : ", SQLState " + text);
        }
        if (text.equals("22001") || message.contains("Data too long") || message.contains("SQLITE_TOOBIG")) {
            return "too long for its column";
        }
        if (text.equals("22003") || message.contains("Out of range")) {
            return "out of range for its column";
        }
        if (text.equals("23502") || message.contains("cannot be null") || message.contains("doesn't have a default")
                || message.contains("SQLITE_CONSTRAINT_NOTNULL")) {
            return "a NOT NULL column got no value";
        }
        if (text.equals("23514") || message.contains("CONSTRAINT") && message.contains("failed")
                || message.contains("SQLITE_CONSTRAINT_CHECK")) {
            return "a CHECK constraint failed";
        }
        if (text.equals("22021")) {
            return "invalid character encoding";
        }
        if (text.startsWith("22")) {
            return "wrong format for its column, SQLState " + text;
        }
        return "SQLState " + (text.isEmpty() ? "unknown" : text);
    }

    private static String firstLine(@Nullable String message) {
        if (message == null) {
            return "(no message)";
        }
        String line = message.strip();
        int newline = line.indexOf('\n');
        if (newline >= 0) {
            line = line.substring(0, newline);
        }
        return line.length() > 200 ? line.substring(0, 200) + "..." : line;
    }
}
