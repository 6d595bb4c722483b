package dev.weft.db.repository;

import dev.weft.core.InvalidInputException;
import dev.weft.db.DatabaseType;
import dev.weft.db.internal.Dialect;
import dev.weft.db.internal.Identifiers;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The columns of a record type in one table: the snake_case name of each component, its accessor, and the
 * quoted SQL fragments built once. The field names callers pass are resolved here, and only names found here
 * ever reach SQL text: that lookup is the injection guard.
 *
 * <p>Immutable and thread-safe.
 */
final class EntityTable<T extends Record> {
    /** The rule weft-db applies to every identifier. */
    private static final Pattern IDENTIFIER = Identifiers.PATTERN;

    private final RepositoryConfig<T, ?> config;
    private final List<String> columns;
    private final List<Method> accessors;
    private final int idIndex;
    /** Column and component names to column names. */
    private final Map<String, String> fields;
    private final Dialect dialect;
    private final String quotedTable;
    private final String selectList;

    private EntityTable(RepositoryConfig<T, ?> config, List<String> columns, List<Method> accessors, int idIndex,
            Map<String, String> fields, Dialect dialect) {
        this.config = config;
        this.columns = List.copyOf(columns);
        this.accessors = List.copyOf(accessors);
        this.idIndex = idIndex;
        this.fields = Map.copyOf(fields);
        this.dialect = dialect;
        this.quotedTable = quote(config.table());
        List<String> quoted = new ArrayList<>(columns.size());
        columns.forEach(column -> quoted.add(quote(column)));
        this.selectList = String.join(", ", quoted);
    }

    static <T extends Record> EntityTable<T> of(RepositoryConfig<T, ?> config, DatabaseType type) {
        Class<T> recordType = config.type();
        if (!recordType.isRecord()) {
            throw invalid(config, recordType.getName() + " is not a record");
        }
        if (!IDENTIFIER.matcher(config.table()).matches()) {
            throw new InvalidInputException("invalid_entity", "table", "invalid table name "
                    + printable(config.table()) + ": must match " + IDENTIFIER.pattern());
        }
        RecordComponent[] components = recordType.getRecordComponents();
        List<String> columns = new ArrayList<>(components.length);
        List<Method> accessors = new ArrayList<>(components.length);
        Map<String, String> fields = new HashMap<>();
        int idIndex = -1;
        for (int i = 0; i < components.length; i++) {
            String name = components[i].getName();
            String column = snakeCase(name);
            if (!IDENTIFIER.matcher(column).matches()) {
                throw invalid(config, "component " + name + " has no valid column name (" + column + ")");
            }
            if (columns.contains(column)) {
                throw invalid(config, "two components map to column " + column);
            }
            Method accessor = components[i].getAccessor();
            try {
                // Records declared inside a package-private class are fine to read: the accessor is our contract.
                accessor.setAccessible(true);
            } catch (RuntimeException e) {
                throw new InvalidInputException("invalid_entity", "type",
                        "cannot read the components of " + recordType.getName(), e);
            }
            columns.add(column);
            accessors.add(accessor);
            fields.put(column, column);
            fields.put(name, column);
            if (name.equals(config.idField()) || column.equals(config.idField())) {
                idIndex = i;
            }
        }
        if (idIndex < 0) {
            throw invalid(config, "has no id component " + config.idField());
        }
        Class<?> idComponentType = box(components[idIndex].getType());
        if (!config.idType().isAssignableFrom(idComponentType)) {
            throw invalid(config, "id component " + components[idIndex].getName() + " is a "
                    + components[idIndex].getType().getName() + ", not a " + config.idType().getName());
        }
        return new EntityTable<>(config, columns, accessors, idIndex, fields, Dialect.of(type));
    }

    /**
     * @param name a component name in camelCase
     * @return its column: {@code createdAt} is {@code created_at}, {@code userID} is {@code user_id},
     *     {@code httpURLCount} is {@code http_url_count}
     */
    static String snakeCase(String name) {
        StringBuilder out = new StringBuilder(name.length() + 4);
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c >= 'A' && c <= 'Z') {
                char before = i > 0 ? name.charAt(i - 1) : '_';
                boolean afterWord = (before >= 'a' && before <= 'z') || (before >= '0' && before <= '9');
                boolean endsAcronym = before >= 'A' && before <= 'Z' && i + 1 < name.length()
                        && name.charAt(i + 1) >= 'a' && name.charAt(i + 1) <= 'z';
                if (afterWord || endsAcronym) {
                    out.append('_');
                }
                out.append((char) (c + ('a' - 'A')));
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    RepositoryConfig<T, ?> config() {
        return config;
    }

    Class<T> type() {
        return config.type();
    }

    String table() {
        return config.table();
    }

    String quotedTable() {
        return quotedTable;
    }

    /** @return every column, in component order, for RETURNING */
    List<String> columns() {
        return columns;
    }

    /** @return the quoted columns, comma-separated, for SELECT */
    String selectList() {
        return selectList;
    }

    String idColumn() {
        return columns.get(idIndex);
    }

    String quote(String identifier) {
        return dialect.quote(identifier);
    }

    /**
     * @param code the error code if the field is unknown
     * @param role what the field is for, as the exception's field
     * @param field a column or component name from the caller
     * @return its column
     * @throws InvalidInputException if the field is not one of this table's columns
     */
    String column(String code, String role, String field) {
        String column = field == null ? null : fields.get(field);
        if (column == null) {
            throw new InvalidInputException(code, role, "unknown " + role + " " + printable(field) + " for table "
                    + config.table() + ": must be one of " + columns);
        }
        return column;
    }

    /**
     * @param filters caller field names to values
     * @return the same conditions keyed by column, in the caller's order
     * @throws InvalidInputException (code {@code unknown_field}) for a field that is not a column, or two names
     *     of the same column
     */
    Map<String, @Nullable Object> columns(String role, Map<String, ?> filters) {
        Map<String, @Nullable Object> out = new LinkedHashMap<>();
        for (Map.Entry<String, ?> entry : filters.entrySet()) {
            String column = column("unknown_field", role, entry.getKey());
            if (out.containsKey(column)) {
                throw new InvalidInputException("duplicate_field", role, "column " + column + " of table "
                        + config.table() + " is given twice (as a column and as a component name)");
            }
            out.put(column, entry.getValue());
        }
        return Collections.unmodifiableMap(out);
    }

    /**
     * @param entity a row
     * @return its non-null columns; the id is left out when it is null or numeric zero, to be generated
     */
    Map<String, Object> insertData(T entity) {
        Map<String, Object> data = new LinkedHashMap<>();
        for (int i = 0; i < columns.size(); i++) {
            Object value = read(entity, i);
            if (value == null || (i == idIndex && isZero(value))) {
                continue;
            }
            data.put(columns.get(i), value);
        }
        return data;
    }

    private Object read(T entity, int index) {
        try {
            return accessors.get(index).invoke(entity);
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new InvalidInputException("invalid_entity", columns.get(index),
                    "accessor of " + config.type().getSimpleName() + " failed", e.getCause());
        } catch (IllegalAccessException e) {
            throw new InvalidInputException("invalid_entity", columns.get(index),
                    "cannot read " + config.type().getSimpleName() + "." + accessors.get(index).getName(), e);
        }
    }

    private static boolean isZero(Object value) {
        return switch (value) {
            case Long number -> number == 0L;
            case Integer number -> number == 0;
            case Short number -> number == 0;
            case Byte number -> number == 0;
            case java.math.BigInteger number -> number.signum() == 0;
            case java.math.BigDecimal number -> number.signum() == 0;
            default -> false;
        };
    }

    private static Class<?> box(Class<?> type) {
        if (!type.isPrimitive()) {
            return type;
        }
        return switch (type.getName()) {
            case "long" -> Long.class;
            case "int" -> Integer.class;
            case "short" -> Short.class;
            case "byte" -> Byte.class;
            case "boolean" -> Boolean.class;
            case "double" -> Double.class;
            case "float" -> Float.class;
            default -> Character.class;
        };
    }

    private static InvalidInputException invalid(RepositoryConfig<?, ?> config, String problem) {
        return new InvalidInputException("invalid_entity", "type",
                "repository of table " + config.table() + ": " + config.type().getName() + " " + problem);
    }

    /** The caller's name as it was, shortened and with control and non-ASCII characters escaped. */
    static String printable(@Nullable String text) {
        return Identifiers.printable(text);
    }
}
