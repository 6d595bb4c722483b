package dev.weft.db.repository;

import dev.weft.core.InvalidInputException;
import java.util.Objects;

/**
 * A sort order for {@link Repository#getAll(int, int, OrderBy)}: one field, ascending or descending. The field is
 * checked against the table's columns when the repository uses it, not here.
 *
 * <p>Immutable and thread-safe.
 *
 * @param field a column name ({@code created_at}) or record component name ({@code createdAt})
 * @param descending whether the largest values come first
 */
public record OrderBy(String field, boolean descending) {
    /**
     * Checks the field is given.
     *
     * @throws InvalidInputException (code {@code invalid_order_by}) if {@code field} is blank
     */
    public OrderBy {
        Objects.requireNonNull(field, "field");
        if (field.isBlank()) {
            throw new InvalidInputException("invalid_order_by", "orderBy", "orderBy names no field");
        }
    }

    /**
     * An ascending order.
     *
     * @param field the field to sort by, smallest first
     * @return the order
     * @throws InvalidInputException (code {@code invalid_order_by}) if {@code field} is blank
     */
    public static OrderBy asc(String field) {
        return new OrderBy(field, false);
    }

    /**
     * A descending order.
     *
     * @param field the field to sort by, largest first
     * @return the order
     * @throws InvalidInputException (code {@code invalid_order_by}) if {@code field} is blank
     */
    public static OrderBy desc(String field) {
        return new OrderBy(field, true);
    }

    /**
     * Parses the guides' form: {@code "created_at"} sorts ascending, {@code "-created_at"} descending.
     *
     * @param text a field name, optionally preceded by {@code -}
     * @return the order
     * @throws InvalidInputException (code {@code invalid_order_by}) if no field name follows the optional
     *     {@code -}
     */
    public static OrderBy parse(String text) {
        Objects.requireNonNull(text, "text");
        boolean descending = text.startsWith("-");
        String field = descending ? text.substring(1) : text;
        if (field.isBlank()) {
            throw new InvalidInputException("invalid_order_by", "orderBy",
                    "orderBy must be a field name, optionally preceded by '-' for descending order");
        }
        return new OrderBy(field, descending);
    }

    /** @return the guides' form: the field, preceded by {@code -} when descending */
    @Override
    public String toString() {
        return descending ? "-" + field : field;
    }
}
