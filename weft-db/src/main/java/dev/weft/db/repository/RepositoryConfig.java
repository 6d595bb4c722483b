package dev.weft.db.repository;

import java.util.Objects;

/**
 * What a {@link Repository} reads and writes: a table, the record type of its rows, the type of the id and the
 * record component that holds it. Checked when the repository is created (see
 * {@link Repository#create(dev.weft.db.Database, RepositoryConfig)}), so a typo fails at start-up.
 *
 * <p>Immutable and thread-safe.
 *
 * @param table the table name; must match {@code ^[A-Za-z_][A-Za-z0-9_]{0,62}$}
 * @param type the record type of a row; each component is the column of its snake_case name
 * @param idType the type of the id component ({@code Long.class} for a {@code long id})
 * @param idField the id component or its column name; {@link #DEFAULT_ID_FIELD} unless changed
 * @param <T> the row type
 * @param <ID> the id type
 */
public record RepositoryConfig<T extends Record, ID>(String table, Class<T> type, Class<ID> idType, String idField) {
    /** The id component used unless {@link #withIdField(String)} names another. */
    public static final String DEFAULT_ID_FIELD = "id";

    /** Checks that no part is null. */
    public RepositoryConfig {
        Objects.requireNonNull(table, "table");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(idType, "idType");
        Objects.requireNonNull(idField, "idField");
    }

    /**
     * A config whose id is the component {@value #DEFAULT_ID_FIELD}.
     *
     * @param table the table name
     * @param type the record type of a row
     * @param idType the type of the id component
     * @param <T> the row type
     * @param <ID> the id type
     * @return a config with the id in component {@value #DEFAULT_ID_FIELD}
     */
    public static <T extends Record, ID> RepositoryConfig<T, ID> of(String table, Class<T> type, Class<ID> idType) {
        return new RepositoryConfig<>(table, type, idType, DEFAULT_ID_FIELD);
    }

    /**
     * Derives a config whose id is another component.
     *
     * @param field the id component ({@code userId}) or its column ({@code user_id})
     * @return a copy with that id field
     */
    public RepositoryConfig<T, ID> withIdField(String field) {
        return new RepositoryConfig<>(table, type, idType, field);
    }
}
