package dev.weft.service.data;

import dev.weft.service.ProblemException;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * One page of a list: {@code limit} (1..1000), {@code offset} (&ge; 0) and an order by one listed column.
 *
 * <p>Immutable and thread-safe.
 *
 * @param limit rows per page
 * @param offset rows skipped
 * @param orderBy the column, one of the list the caller allows (so it is safe to put in SQL)
 * @param descending whether largest first
 */
public record Page(int limit, long offset, String orderBy, boolean descending) {
    /** Default {@link #limit()}. */
    public static final int DEFAULT_LIMIT = 100;
    /** Largest {@link #limit()}. */
    public static final int MAX_LIMIT = 1000;

    /** Checks the bounds. */
    public Page {
        Objects.requireNonNull(orderBy, "orderBy");
        if (limit < 1 || limit > MAX_LIMIT || offset < 0) {
            throw new IllegalArgumentException("limit 1..1000 and offset >= 0");
        }
    }

    /**
     * Parses {@code limit}, {@code offset} and {@code order_by} query parameters.
     *
     * @param query a query parameter's first value by name
     * @param columns the columns {@code order_by} may name
     * @param defaultColumn the order when none is given (ascending)
     * @return the page
     * @throws ProblemException 400 naming the invalid parameter
     */
    public static Page parse(Function<String, Optional<String>> query, Set<String> columns, String defaultColumn) {
        int limit = (int) number(query, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT);
        long offset = number(query, "offset", 0, 0, Long.MAX_VALUE / 2);
        String order = query.apply("order_by").orElse(defaultColumn);
        boolean descending = order.startsWith("-");
        String column = descending ? order.substring(1) : order;
        if (!columns.contains(column)) {
            throw ProblemException.invalid("invalid_order_by", "order_by must name one of " + columns.stream().sorted()
                    .toList() + ", optionally prefixed with '-'", List.of(new ProblemException.FieldError("order_by",
                            "unknown column")));
        }
        return new Page(limit, offset, column, descending);
    }

    /**
     * @param query query parameters
     * @param name the parameter
     * @param fallback its value when absent
     * @param min the smallest allowed
     * @param max the largest allowed
     * @return the value
     * @throws ProblemException 400 if not an integer in range
     */
    public static long number(Function<String, Optional<String>> query, String name, long fallback, long min,
            long max) {
        Optional<String> text = query.apply(name);
        if (text.isEmpty()) {
            return fallback;
        }
        String value = text.get();
        long parsed;
        try {
            if (value.isEmpty() || value.length() > 19 || !value.matches("-?[0-9]+")) {
                throw new NumberFormatException();
            }
            parsed = Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw ProblemException.invalid("invalid_parameter", name + " must be an integer",
                    List.of(new ProblemException.FieldError(name, "must be an integer")));
        }
        if (parsed < min || parsed > max) {
            throw ProblemException.invalid("invalid_parameter", name + " must be between " + min + " and " + max,
                    List.of(new ProblemException.FieldError(name, "must be between " + min + " and " + max)));
        }
        return parsed;
    }

    /** @return {@code ORDER BY column [DESC]} with a tie-break on {@code tieBreak}, for the page's SQL */
    String orderSql(String tieBreak) {
        return orderSql(tieBreak, Set.of());
    }

    /**
     * @param tieBreak the unique column that orders rows equal in the page's column
     * @param nullable the orderable columns that may be {@code NULL}
     * @return {@code ORDER BY column [DESC]} with a tie-break on {@code tieBreak}, for the page's SQL; on a nullable
     *     column {@code NULL} sorts first ascending and last descending, on every database
     */
    String orderSql(String tieBreak, Set<String> nullable) {
        String direction = descending ? " DESC" : " ASC";
        // PostgreSQL sorts NULL as the largest value, SQLite and MariaDB as the smallest; MariaDB has no NULLS FIRST
        String nulls = nullable.contains(orderBy) ? "CASE WHEN " + orderBy + " IS NULL THEN 0 ELSE 1 END" + direction
                + ", " : "";
        return " ORDER BY " + nulls + orderBy + direction + (orderBy.equals(tieBreak) ? "" : ", " + tieBreak
                + direction);
    }
}
