package dev.weft.db;

import dev.weft.core.ErrorKind;
import org.jspecify.annotations.Nullable;

/**
 * A write broke a unique or foreign-key constraint. Kind {@link ErrorKind#CONFLICT} (HTTP 409); code
 * {@code unique_violation} or {@code foreign_key_violation}. Nothing was written by the failing statement.
 */
public class ConstraintViolationException extends DatabaseException {
    private static final long serialVersionUID = 1L;

    /** Which constraint was broken. */
    public enum Constraint {
        /** A unique index or primary key. */
        UNIQUE("unique_violation"),
        /** A foreign key. */
        FOREIGN_KEY("foreign_key_violation");

        private final String code;

        Constraint(String code) {
            this.code = code;
        }

        /** @return the error code for this constraint kind */
        public String code() {
            return code;
        }
    }

    private final Constraint constraint;

    /**
     * @param constraint which kind of constraint
     * @param message which database and operation
     * @param sqlState the driver's SQLState, or {@code null}
     * @param cause the driver's exception, or {@code null}
     */
    public ConstraintViolationException(Constraint constraint, String message, @Nullable String sqlState,
            @Nullable Throwable cause) {
        super(ErrorKind.CONFLICT, constraint.code(), message, sqlState, false, cause);
        this.constraint = constraint;
    }

    /** @return which kind of constraint was broken */
    public Constraint constraint() {
        return constraint;
    }
}
