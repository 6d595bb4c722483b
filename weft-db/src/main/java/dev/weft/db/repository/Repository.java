package dev.weft.db.repository;

import dev.weft.db.Database;
import dev.weft.db.SqlOperations;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The rows of one table as Java records: the guides' {@code BaseRepository}. Each record component is the column
 * of its snake_case name ({@code createdAt} is {@code created_at}); one component holds the id, which the
 * database may generate.
 *
 * {@snippet :
 * record User(Long id, String email, boolean active, Instant createdAt) {}
 *
 * Repository<User, Long> users = Repository.create(db, "users", User.class, Long.class);
 * User created = users.create(new User(null, "ada@example.com", true, Instant.now()));
 * Optional<User> same = users.getByField("email", "ada@example.com");
 * List<User> newest = users.getAll(20, 0, "-created_at");
 * long active = users.count(Map.of("active", true));
 * }
 *
 * <p><b>Safety.</b> Field names (in {@code orderBy}, filters, changes and {@link #getByField}) may be a column
 * name or a component name, and must be one of the record's: anything else is an
 * {@link dev.weft.core.InvalidInputException} and nothing is sent. Values are always bound, never put into SQL
 * text. {@code limit} and {@code offset} are bounded by {@link #MAX_LIMIT} and {@link #MAX_OFFSET}.
 *
 * <p><b>Transactions.</b> Each call runs on its own pooled connection, or joins the transaction of the same
 * database open on the calling thread ({@code db.inTransaction(tx -> ...)}), so several calls can be made
 * atomic by wrapping them. To make the transaction visible in the code instead, run the calls on it
 * explicitly through {@link #in(SqlOperations)}:
 *
 * {@snippet :
 * db.inTransaction(tx -> {
 *     User user = users.in(tx).create(new User(null, "ada@example.com", true, Instant.now()));
 *     audit.in(tx).create(new AuditEntry(null, "user_created", user.id()));
 *     return user;
 * });
 * }
 *
 * <p><b>Dialects.</b> PostgreSQL, MariaDB, MySQL and SQLite. On MySQL (and for updates on MariaDB) the written
 * row is read back by primary key, so the table needs one. Where NULLs sort differs by database, so does the
 * place of NULLs in {@link #getAll}.
 *
 * <p>Thread-safe: a repository created on a {@link Database} is immutable and may be shared. A view from
 * {@link #in(SqlOperations)} over a {@link dev.weft.db.Transaction} is confined like the transaction: use it
 * only on the thread running the transaction's callback, and not after the callback has returned. Every
 * operation blocks the calling thread (meant to be virtual) until the database answers or the database's
 * statement timeout fires.
 *
 * @param <T> the row type, a record
 * @param <ID> the type of the id
 */
public interface Repository<T extends Record, ID> {
    /** The largest page {@link #getAll} returns. */
    int MAX_LIMIT = 1000;

    /** The largest offset {@link #getAll} accepts; deeper pages should use a filter instead. */
    int MAX_OFFSET = 10_000_000;

    /**
     * Creates a repository whose id is the component {@code id}. Sends nothing to the database.
     *
     * @param database the database to use; the repository does not close it
     * @param table the table name
     * @param type the record type of a row
     * @param idType the type of the {@code id} component ({@code Long.class} for {@code long id})
     * @param <T> the row type
     * @param <ID> the id type
     * @return a thread-safe repository
     * @throws dev.weft.core.InvalidInputException (code {@code invalid_entity}) if the type is not a usable
     *     record, has no {@code id} component of type {@code idType}, or the table name is invalid
     */
    static <T extends Record, ID> Repository<T, ID> create(Database database, String table, Class<T> type,
            Class<ID> idType) {
        return create(database, RepositoryConfig.of(table, type, idType));
    }

    /**
     * Creates a repository from a full config. Sends nothing to the database.
     *
     * @param database the database to use; the repository does not close it
     * @param config the table, row type and id
     * @param <T> the row type
     * @param <ID> the id type
     * @return a thread-safe repository
     * @throws dev.weft.core.InvalidInputException (code {@code invalid_entity}) if the type is not a usable
     *     record, the id field is not one of its components of type {@code idType}, or the table name is invalid
     */
    static <T extends Record, ID> Repository<T, ID> create(Database database, RepositoryConfig<T, ID> config) {
        Objects.requireNonNull(database, "database");
        Objects.requireNonNull(config, "config");
        return new TableRepository<>(database, EntityTable.of(config, database.type()));
    }

    /**
     * This repository with every call run on {@code operations}: a transaction of the repository's database
     * ({@code users.in(tx).create(...)} is part of {@code tx}, rolled back and committed with it), or a database
     * of the same dialect. Sends nothing; this repository is unchanged.
     *
     * <p>{@link #bulkCreate} on a view over a transaction runs in a savepoint of it. A view over a
     * {@link dev.weft.db.Transaction} is confined like the transaction: the thread running the transaction's
     * callback, and only until the callback returns; a view over a {@link Database} is thread-safe.
     *
     * @param operations the database or open transaction to run every call on
     * @return a repository with the same config that runs on {@code operations}
     * @throws IllegalArgumentException if {@code operations} is a {@link Database} of another dialect than the
     *     one this repository was created with
     */
    Repository<T, ID> in(SqlOperations operations);

    /**
     * The table, row type and id this repository uses.
     *
     * @return the config this repository was created with
     */
    RepositoryConfig<T, ID> config();

    /**
     * Inserts one row and returns it as stored: with its generated id and the database's defaults for columns
     * the entity leaves {@code null}. A {@code null} component is not sent, so the column's default applies (or
     * NULL if it has none); an id of {@code null} or numeric zero is left to the database to generate.
     *
     * @param entity the row to insert
     * @return the stored row
     * @throws dev.weft.core.InvalidInputException (code {@code empty_write}) if every column is null
     * @throws dev.weft.db.ConstraintViolationException for a unique or foreign-key violation
     * @throws dev.weft.db.DatabaseException if the database fails the insert
     */
    T create(T entity);

    /**
     * Finds one row by its id.
     *
     * @param id the id
     * @return the row with that id, if any
     * @throws dev.weft.db.DatabaseException if the database fails the query
     */
    Optional<T> getById(ID id);

    /**
     * Finds the first row, by id, whose field equals a value.
     *
     * @param field a column or component name
     * @param value the value; {@code null} matches rows where the column IS NULL
     * @return the row with the smallest id among the matches, if any
     * @throws dev.weft.core.InvalidInputException (code {@code unknown_field}) if the field is not a column of
     *     the table; nothing is sent
     * @throws dev.weft.db.DatabaseException if the database fails the query
     */
    Optional<T> getByField(String field, @org.jspecify.annotations.Nullable Object value);

    /**
     * One page of rows ordered by id, smallest first.
     *
     * @param limit rows in the page, 1 to {@link #MAX_LIMIT}
     * @param offset rows skipped, 0 to {@link #MAX_OFFSET}
     * @return the rows, possibly none
     * @throws dev.weft.core.InvalidInputException (codes {@code invalid_limit}, {@code invalid_offset}) for a
     *     bound out of range; nothing is sent
     * @throws dev.weft.db.DatabaseException if the database fails the query
     */
    default List<T> getAll(int limit, int offset) {
        return getAll(limit, offset, OrderBy.asc(config().idField()));
    }

    /**
     * One page of rows in the given order, as the guides' {@code get_all(limit, offset, order_by)}.
     *
     * @param limit rows in the page, 1 to {@link #MAX_LIMIT}
     * @param offset rows skipped, 0 to {@link #MAX_OFFSET}
     * @param orderBy a field ({@code "created_at"}), or a field preceded by {@code -} for descending order
     *     ({@code "-created_at"}); ties are broken by id, so pages do not overlap
     * @return the rows, possibly none
     * @throws dev.weft.core.InvalidInputException (codes {@code invalid_order_by}, {@code invalid_limit},
     *     {@code invalid_offset}) for an order that is not a column of the table or a bound out of range;
     *     nothing is sent
     * @throws dev.weft.db.DatabaseException if the database fails the query
     */
    default List<T> getAll(int limit, int offset, String orderBy) {
        return getAll(limit, offset, OrderBy.parse(orderBy));
    }

    /**
     * One page of rows in the given order; ties are broken by id, so pages do not overlap.
     *
     * @param limit rows in the page, 1 to {@link #MAX_LIMIT}
     * @param offset rows skipped, 0 to {@link #MAX_OFFSET}
     * @param orderBy the sort field and direction
     * @return the rows, possibly none
     * @throws dev.weft.core.InvalidInputException (codes {@code invalid_order_by}, {@code invalid_limit},
     *     {@code invalid_offset}) for an order that is not a column of the table or a bound out of range;
     *     nothing is sent
     * @throws dev.weft.db.DatabaseException if the database fails the query
     */
    List<T> getAll(int limit, int offset, OrderBy orderBy);

    /**
     * Changes some columns of one row and returns the row as stored afterwards.
     *
     * @param id the id of the row
     * @param changes field (column or component name) to new value; {@code null} values set NULL; at least one
     * @return the updated row, or empty if no row has that id
     * @throws dev.weft.core.InvalidInputException (codes {@code unknown_field}, {@code empty_write}) for a field
     *     that is not a column or no changes at all; nothing is sent
     * @throws dev.weft.db.ConstraintViolationException for a unique or foreign-key violation
     * @throws dev.weft.db.DatabaseException if the database fails the update
     */
    Optional<T> update(ID id, Map<String, ?> changes);

    /**
     * Deletes one row by its id.
     *
     * @param id the id of the row
     * @return whether a row was deleted
     * @throws dev.weft.db.ConstraintViolationException if a foreign key still refers to the row
     * @throws dev.weft.db.DatabaseException if the database fails the delete
     */
    boolean delete(ID id);

    /**
     * Inserts many rows in one transaction: either all are stored or, if any fails, none is. Each row is
     * inserted as by {@link #create(Record)}; called inside a transaction, it runs in a savepoint of it.
     *
     * @param entities the rows to insert, in order
     * @return the stored rows, in the same order, with their generated ids
     * @throws dev.weft.db.ConstraintViolationException for a unique or foreign-key violation (nothing is stored)
     * @throws dev.weft.db.DatabaseException if the database fails an insert or the commit (nothing is stored)
     */
    List<T> bulkCreate(List<T> entities);

    /**
     * Counts the rows whose fields equal the given values.
     *
     * @param filters field (column or component name) to value, joined with AND; a {@code null} value matches
     *     IS NULL; empty counts every row
     * @return the number of matching rows
     * @throws dev.weft.core.InvalidInputException (code {@code unknown_field}) for a field that is not a column
     *     of the table; nothing is sent
     * @throws dev.weft.db.DatabaseException if the database fails the query
     */
    long count(Map<String, ?> filters);

    /**
     * Tells whether any row has fields equal to the given values; stops at the first match.
     *
     * @param filters field (column or component name) to value, joined with AND; a {@code null} value matches
     *     IS NULL; empty asks whether the table has any row
     * @return whether a row matches
     * @throws dev.weft.core.InvalidInputException (code {@code unknown_field}) for a field that is not a column
     *     of the table; nothing is sent
     * @throws dev.weft.db.DatabaseException if the database fails the query
     */
    boolean exists(Map<String, ?> filters);
}
