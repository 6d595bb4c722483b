package dev.weft.db;

import java.util.List;
import java.util.Optional;

/**
 * The result of an INSERT, UPDATE or DELETE.
 *
 * @param count rows written
 * @param rows the returned rows when {@link Write#returning(String...)} asked for columns, else empty; the
 *     same on every dialect, whether RETURNING was native or emulated
 * @param <T> the row type
 */
public record WriteResult<T>(long count, List<T> rows) {
    /** Copies the list. */
    public WriteResult {
        rows = List.copyOf(rows);
    }

    /** @return the first returned row, if any */
    public Optional<T> first() {
        return rows.isEmpty() ? Optional.empty() : Optional.of(rows.getFirst());
    }
}
