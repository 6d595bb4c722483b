package dev.weft.db.repository;

import dev.weft.core.ErrorKind;
import dev.weft.core.InvalidInputException;
import dev.weft.db.Database;
import dev.weft.db.DatabaseException;
import dev.weft.db.KeyedReader;
import dev.weft.db.SqlOperations;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A {@link Repository} over one table, built only on the public {@link SqlOperations} API: writes go through
 * {@code insert/update/delete(...).returning(...)} (native or emulated RETURNING, so every dialect returns the
 * stored row), reads are SQL built from the quoted columns of {@link EntityTable} with every value bound.
 *
 * <p>Every call runs on {@code operations}: the {@link Database} itself, or a transaction of it given to
 * {@link #in(SqlOperations)}. The database is kept apart for what only it knows (its name for messages; its
 * dialect was already used to build the {@link EntityTable}).
 *
 * <p>Immutable; thread-safe when {@code operations} is the database, confined like the transaction otherwise.
 */
final class TableRepository<T extends Record, ID> implements Repository<T, ID> {
    private final Database database;
    private final SqlOperations operations;
    private final EntityTable<T> table;
    private final RepositoryConfig<T, ID> config;
    /** Reads by id, batching concurrent calls; {@code null} on a transaction or for an id type it cannot batch. */
    private final @Nullable KeyedReader<ID, T> byId;

    @SuppressWarnings("unchecked")
    TableRepository(Database database, EntityTable<T> table) {
        this(database, database, table, keyedById(database, table, (RepositoryConfig<T, ID>) table.config()));
    }

    @SuppressWarnings("unchecked")
    private TableRepository(Database database, SqlOperations operations, EntityTable<T> table,
            @Nullable KeyedReader<ID, T> byId) {
        this.database = database;
        this.operations = operations;
        this.table = table;
        // EntityTable.of was given this very config; only the ID parameter was erased on the way.
        this.config = (RepositoryConfig<T, ID>) table.config();
        this.byId = byId;
    }

    /** The keyed reader behind {@link #getById}, or {@code null} for an id type weft cannot send as a batch. */
    private static <T extends Record, ID> @Nullable KeyedReader<ID, T> keyedById(Database database,
            EntityTable<T> table, RepositoryConfig<T, ID> config) {
        try {
            return database.keyed(table.table(), table.idColumn(), config.idType(), table.type(),
                    table.columns().toArray(String[]::new));
        } catch (InvalidInputException e) {
            return null; // e.g. a primitive or custom id type: getById then sends its own query, as before
        }
    }

    @Override
    public Repository<T, ID> in(SqlOperations operations) {
        Objects.requireNonNull(operations, "operations");
        if (operations instanceof Database other && other.type() != database.type()) {
            // The columns, quoting and RETURNING emulation were chosen for this repository's dialect.
            throw new IllegalArgumentException("repository of " + database.name() + " (" + database.type()
                    + ") cannot run on " + other.name() + " (" + other.type() + ")");
        }
        return new TableRepository<>(database, operations, table, operations == database ? byId : null);
    }

    @Override
    public RepositoryConfig<T, ID> config() {
        return config;
    }

    @Override
    public T create(T entity) {
        Objects.requireNonNull(entity, "entity");
        return insert(operations, entity);
    }

    private T insert(SqlOperations target, T entity) {
        return target.insert(table.table(), table.insertData(entity)).returning(table.columns())
                .execute(table.type()).first()
                .orElseThrow(() -> new DatabaseException(ErrorKind.INTERNAL, "no_returned_row", "database '"
                        + database.name() + "': insert into " + table.table() + " returned no row", null, false,
                        null));
    }

    @Override
    public Optional<T> getById(ID id) {
        Objects.requireNonNull(id, "id");
        KeyedReader<ID, T> reader = byId;
        if (reader != null) {
            // batches with concurrent calls; inside a transaction open on this thread it reads on that transaction
            return reader.find(id);
        }
        String sql = "SELECT " + table.selectList() + " FROM " + table.quotedTable() + " WHERE "
                + table.quote(table.idColumn()) + " = :id";
        return operations.query(sql, Map.of("id", id)).optional(table.type());
    }

    @Override
    public Optional<T> getByField(String field, @Nullable Object value) {
        String column = table.column("unknown_field", "field", field);
        Map<String, @Nullable Object> condition = new HashMap<>();
        condition.put(column, value);
        Map<String, Object> params = new HashMap<>();
        String sql = "SELECT " + table.selectList() + " FROM " + table.quotedTable() + where(condition, params)
                + " ORDER BY " + table.quote(table.idColumn()) + " LIMIT 1";
        return operations.query(sql, params).first(table.type());
    }

    @Override
    public List<T> getAll(int limit, int offset, OrderBy orderBy) {
        Objects.requireNonNull(orderBy, "orderBy");
        String column = table.column("invalid_order_by", "orderBy", orderBy.field());
        if (limit < 1 || limit > MAX_LIMIT) {
            throw new InvalidInputException("invalid_limit", "limit",
                    "limit must be between 1 and " + MAX_LIMIT + ", was " + limit);
        }
        if (offset < 0 || offset > MAX_OFFSET) {
            throw new InvalidInputException("invalid_offset", "offset",
                    "offset must be between 0 and " + MAX_OFFSET + ", was " + offset);
        }
        String direction = orderBy.descending() ? " DESC" : " ASC";
        StringBuilder sql = new StringBuilder("SELECT ").append(table.selectList()).append(" FROM ")
                .append(table.quotedTable()).append(" ORDER BY ").append(table.quote(column)).append(direction);
        if (!column.equals(table.idColumn())) {
            // Ties broken by the id keep pages stable: without it two pages may repeat or skip a row.
            sql.append(", ").append(table.quote(table.idColumn())).append(direction);
        }
        sql.append(" LIMIT :limit OFFSET :offset");
        return operations.query(sql.toString(), Map.of("limit", limit, "offset", offset), table.type());
    }

    @Override
    public Optional<T> update(ID id, Map<String, ?> changes) {
        Objects.requireNonNull(id, "id");
        Map<String, @Nullable Object> data = table.columns("field", Objects.requireNonNull(changes, "changes"));
        if (data.isEmpty()) {
            throw new InvalidInputException("empty_write", "changes",
                    "update of " + table.table() + " has no changes");
        }
        return operations.update(table.table(), data, Map.of(table.idColumn(), id)).returning(table.columns())
                .execute(table.type()).first();
    }

    @Override
    public boolean delete(ID id) {
        Objects.requireNonNull(id, "id");
        return operations.delete(table.table(), Map.of(table.idColumn(), id)).execute().count() > 0;
    }

    @Override
    public List<T> bulkCreate(List<T> entities) {
        List<T> rows = List.copyOf(entities);
        if (rows.isEmpty()) {
            return List.of();
        }
        // One INSERT ... RETURNING per row rather than bulkInsert: the caller needs every generated id back,
        // which COPY and JDBC batches do not give on every dialect.
        return operations.inTransaction(transaction -> {
            List<T> stored = new ArrayList<>(rows.size());
            for (T entity : rows) {
                stored.add(insert(transaction, entity));
            }
            return List.copyOf(stored);
        });
    }

    @Override
    public long count(Map<String, ?> filters) {
        Map<String, @Nullable Object> conditions = table.columns("filter", Objects.requireNonNull(filters, "filters"));
        Map<String, Object> params = new HashMap<>();
        String sql = "SELECT COUNT(*) FROM " + table.quotedTable() + where(conditions, params);
        return operations.query(sql, params).one(Long.class);
    }

    @Override
    public boolean exists(Map<String, ?> filters) {
        Map<String, @Nullable Object> conditions = table.columns("filter", Objects.requireNonNull(filters, "filters"));
        Map<String, Object> params = new HashMap<>();
        String sql = "SELECT 1 FROM " + table.quotedTable() + where(conditions, params) + " LIMIT 1";
        return !operations.query(sql, params).list().isEmpty();
    }

    /**
     * @param conditions column to value; a null value is IS NULL
     * @param params receives a {@code :p<n>} parameter for each non-null value
     * @return the WHERE clause with a leading space, or empty for no conditions
     */
    private String where(Map<String, @Nullable Object> conditions, Map<String, Object> params) {
        if (conditions.isEmpty()) {
            return "";
        }
        StringBuilder where = new StringBuilder(" WHERE ");
        int index = 0;
        for (Map.Entry<String, @Nullable Object> condition : conditions.entrySet()) {
            where.append(index == 0 ? "" : " AND ").append(table.quote(condition.getKey()));
            if (condition.getValue() == null) {
                where.append(" IS NULL");
            } else {
                String name = "p" + index;
                where.append(" = :").append(name);
                params.put(name, condition.getValue());
            }
            index++;
        }
        return where.toString();
    }

    @Override
    public String toString() {
        return "Repository[" + database.name() + "." + table.table() + " as " + table.type().getSimpleName()
                + (operations == database ? "" : " on " + operations) + "]";
    }
}
