package dev.weft.db;

import java.util.List;
import java.util.Optional;

/**
 * The result of an INSERT, UPDATE or DELETE.
 *
 * @param count rows written
 * @param rows the returned rows when {@link Write#returning(String...)} asked for columns, else empty; the
 *     same on every dialect, whether RETURNING was native or emulated. A row read as a scalar type is {@code null}
 *     where the column is SQL NULL
 * @param <T> the row type
 */
public record WriteResult<T>(long count, List<T> rows) {
    /** Copies the list. */
    public WriteResult {
        // not List.copyOf, which refuses the null of a NULL column returned as a scalar
        rows = java.util.Collections.unmodifiableList(new java.util.ArrayList<>(rows));
    }

    /** @return the first returned row; empty if there is none or it is a NULL read as a scalar */
    public Optional<T> first() {
        return rows.isEmpty() ? Optional.empty() : Optional.ofNullable(rows.getFirst());
    }
}
