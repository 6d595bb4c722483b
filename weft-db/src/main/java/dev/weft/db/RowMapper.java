package dev.weft.db;

import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * Turns the current row of a result set into a value. Called once per row on the thread that runs the query;
 * must not move the cursor or keep the result set.
 *
 * @param <T> the value type
 */
@FunctionalInterface
public interface RowMapper<T> {
    /**
     * @param row the result set, positioned on the row to map
     * @return the value for this row
     * @throws SQLException if a column cannot be read; weft translates it
     */
    T map(ResultSet row) throws SQLException;
}
