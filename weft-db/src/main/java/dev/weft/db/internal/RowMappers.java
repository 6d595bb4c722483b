package dev.weft.db.internal;

import dev.weft.core.InvalidInputException;
import dev.weft.db.RowMapper;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.sql.Blob;
import java.sql.Clob;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * The row mappers weft builds itself: rows as {@code Map}s, records by column name ({@code created_at} fills
 * {@code createdAt}), and single scalar columns. Values are converted to the Java type asked for, the same way
 * on every dialect (SQLite's text date-times included).
 */
public final class RowMappers {
    private static final Map<Class<?>, RowMapper<?>> MAPPERS = new ConcurrentHashMap<>();

    private RowMappers() {
    }

    /** @return a mapper of rows to insertion-ordered maps keyed by lower-case column label */
    public static RowMapper<Map<String, Object>> maps() {
        return RowMappers::toMap;
    }

    /**
     * @param type a record, or a scalar type (String, Long, Integer, Boolean, BigDecimal, Instant, UUID, ...)
     * @param <T> the type
     * @return a mapper to that type
     * @throws InvalidInputException for a type weft cannot map; use a {@link RowMapper}
     */
    @SuppressWarnings("unchecked")
    public static <T> RowMapper<T> of(Class<T> type) {
        return (RowMapper<T>) MAPPERS.computeIfAbsent(type, RowMappers::create);
    }

    /**
     * Specialises a mapper for one result set, so per-row work is only reading values: a record mapper
     * resolves its column positions here, once.
     *
     * @param mapper any mapper
     * @param result the result set it will map
     * @param <T> the value type
     * @return a mapper for the rows of {@code result}
     * @throws SQLException if the metadata cannot be read
     */
    public static <T> RowMapper<T> bind(RowMapper<T> mapper, ResultSet result) throws SQLException {
        if (mapper instanceof RecordMapper<T> records) {
            ResultSetMetaData meta = result.getMetaData();
            int[] columnOf = records.layout(meta);
            // whether each column holds instants, looked up once per result instead of once per row
            boolean[] zoned = new boolean[meta.getColumnCount() + 1];
            for (int column = 1; column < zoned.length; column++) {
                zoned[column] = zoned(meta, column);
            }
            return row -> records.map(row, columnOf, zoned);
        }
        return mapper;
    }

    // A scalar column may be SQL NULL, and its mapper then returns null: RowMapper's type does not say so yet.
    @SuppressWarnings("NullAway")
    private static RowMapper<?> create(Class<?> type) {
        if (type.isRecord()) {
            return new RecordMapper<>(type);
        }
        if (isScalar(type)) {
            return row -> read(row, 1, type);
        }
        throw new InvalidInputException("unmappable_type", "type",
                "cannot map rows to " + type.getName() + ": use a record, a scalar type or a RowMapper");
    }

    private static boolean isScalar(Class<?> type) {
        return type.isPrimitive() || type == String.class || Number.class.isAssignableFrom(type)
                || type == Boolean.class || type == Instant.class || type == LocalDate.class
                || type == LocalDateTime.class || type == LocalTime.class || type == OffsetDateTime.class
                || type == UUID.class || type == byte[].class || type.isEnum() || type == Object.class
                || type == Character.class;
    }

    private static Map<String, Object> toMap(ResultSet row) throws SQLException {
        ResultSetMetaData meta = row.getMetaData();
        int columns = meta.getColumnCount();
        Map<String, Object> out = new LinkedHashMap<>(columns * 2);
        for (int i = 1; i <= columns; i++) {
            Object value = row.getObject(i);
            out.put(meta.getColumnLabel(i).toLowerCase(Locale.ROOT),
                    value instanceof java.sql.Timestamp timestamp && zoned(meta, i)
                            ? timestamp.toInstant().atOffset(ZoneOffset.UTC)
                            : value instanceof java.sql.Time time ? localTime(row, i, time) : plain(value));
        }
        return out;
    }

    /**
     * A time of day with its fraction of a second, which {@link java.sql.Time#toLocalTime()} drops; a time with a
     * zone (PostgreSQL's {@code timetz}, which pgjdbc will not read as a {@code LocalTime}) as the driver's
     * {@code Time}, whole seconds.
     */
    private static LocalTime localTime(ResultSet row, int column, java.sql.Time time) throws SQLException {
        if (row.getMetaData().getColumnTypeName(column).toLowerCase(Locale.ROOT).startsWith("timetz")) {
            return time.toLocalTime();
        }
        return row.getObject(column, LocalTime.class);
    }

    /**
     * @param value a value as the driver returned it
     * @return the value with JDBC's legacy types replaced: {@code java.sql} date-times by {@code java.time},
     *     CLOB by String, BLOB by byte[]
     * @throws SQLException if a LOB cannot be read
     */
    static @Nullable Object plain(@Nullable Object value) throws SQLException {
        return switch (value) {
            case null -> null;
            case java.sql.Timestamp timestamp -> timestamp.toLocalDateTime();
            case java.sql.Date date -> date.toLocalDate();
            case java.sql.Time time -> time.toLocalTime();
            case Clob clob -> clob.getSubString(1, (int) clob.length());
            case Blob blob -> blob.getBytes(1, (int) blob.length());
            default -> value;
        };
    }

    /**
     * Reads one column as {@code type}, converted as a record component or scalar row of that type would be.
     *
     * @param row the row
     * @param column the column, from 1
     * @param type the Java type wanted
     * @return the value, or {@code null} for SQL NULL
     * @throws SQLException if the driver cannot read it
     */
    public static @Nullable Object column(ResultSet row, int column, Class<?> type) throws SQLException {
        return read(row, column, type);
    }

    /**
     * Reads one column as {@code type}.
     *
     * @param row the row
     * @param column the column, from 1
     * @param type the Java type wanted
     * @return the value, or {@code null} for SQL NULL (a primitive type gets its zero... no: an error)
     * @throws SQLException if the driver cannot read it
     */
    static @Nullable Object read(ResultSet row, int column, Class<?> type) throws SQLException {
        return read(row, column, type, null);
    }

    /** @param zoned whether the column holds instants, or {@code null} to ask the metadata */
    private static @Nullable Object read(ResultSet row, int column, Class<?> type, @Nullable Boolean zoned)
            throws SQLException {
        Object value;
        try {
            value = readBoxed(row, column, type, zoned);
        } catch (SQLException e) {
            String state = e.getSQLState();
            if (!(e instanceof java.sql.SQLDataException) && (state == null || !state.startsWith("22"))) {
                // not a data exception (MariaDB's is an SQLDataException without a state, pgjdbc's 22003): the
                // connection, a closed result set, a cancel, translated as such by the caller
                throw e;
            }
            // the driver could not convert the column (pgjdbc's "Bad value for type long", MariaDB's own): a mapping
            // error on every database, not "the database rejected a value" or a bare SQL error; the driver's message
            // may quote the value, so only the column and the types are named
            ResultSetMetaData meta = row.getMetaData();
            String label = meta.getColumnLabel(column);
            throw new InvalidInputException("unmappable_type", label, "column " + label + " ("
                    + meta.getColumnTypeName(column) + ") cannot be read as " + type.getSimpleName(), e);
        } catch (IllegalArgumentException | java.time.DateTimeException | ArithmeticException e) {
            // weft's own conversion failed (text that is no constant of the enum, no UUID, no date; a fraction read
            // as a BigInteger): the same mapping error as the driver's, and the JDK's message quotes the value
            ResultSetMetaData meta = row.getMetaData();
            String label = meta.getColumnLabel(column);
            throw new InvalidInputException("unmappable_type", label, "column " + label + " ("
                    + meta.getColumnTypeName(column) + ") cannot be read as " + type.getSimpleName(), e);
        }
        if (value == null && type.isPrimitive()) {
            throw new InvalidInputException("null_column", row.getMetaData().getColumnLabel(column),
                    "column " + row.getMetaData().getColumnLabel(column) + " is NULL but maps to primitive " + type);
        }
        return value;
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static @Nullable Object readBoxed(ResultSet row, int column, Class<?> type, @Nullable Boolean zonedColumn)
            throws SQLException {
        if (type == String.class) {
            return row.getString(column);
        }
        if (type == long.class || type == Long.class) {
            return integral(row, column, Long.MIN_VALUE, Long.MAX_VALUE);
        }
        if (type == int.class || type == Integer.class) {
            Long value = integral(row, column, Integer.MIN_VALUE, Integer.MAX_VALUE);
            return value == null ? null : value.intValue();
        }
        if (type == byte.class || type == Byte.class) {
            Long value = integral(row, column, Byte.MIN_VALUE, Byte.MAX_VALUE);
            return value == null ? null : value.byteValue();
        }
        if (type == boolean.class || type == Boolean.class) {
            boolean value = row.getBoolean(column);
            return row.wasNull() ? null : value;
        }
        if (type == double.class || type == Double.class) {
            double value = row.getDouble(column);
            return row.wasNull() ? null : value;
        }
        if (type == float.class || type == Float.class) {
            float value = row.getFloat(column);
            return row.wasNull() ? null : value;
        }
        if (type == short.class || type == Short.class) {
            Long value = integral(row, column, Short.MIN_VALUE, Short.MAX_VALUE);
            return value == null ? null : value.shortValue();
        }
        if (type == BigDecimal.class) {
            return row.getBigDecimal(column);
        }
        if (type == BigInteger.class) {
            BigDecimal value = row.getBigDecimal(column);
            return value == null ? null : value.toBigIntegerExact();
        }
        if (type == byte[].class) {
            return row.getBytes(column);
        }
        if (type == char.class || type == Character.class) {
            // bound as a one-character string, so read back from one
            String text = row.getString(column);
            if (text != null && text.isEmpty() && "CHAR".equalsIgnoreCase(row.getMetaData().getColumnTypeName(column))) {
                // MariaDB and MySQL strip a CHAR column's trailing spaces as they read it: a space stored reads empty
                text = " ";
            }
            if (text != null && text.length() != 1) {
                throw new IllegalArgumentException("not one character");
            }
            return text == null ? null : text.charAt(0);
        }
        Object driverValue = row.getObject(column);
        if (driverValue instanceof java.sql.Timestamp timestamp
                && (type == Instant.class || type == OffsetDateTime.class || type == LocalDateTime.class)) {
            // A zoned column's Timestamp is an instant; a wall-clock column's is UTC wall-clock time in weft.
            boolean isZoned = zonedColumn != null ? zonedColumn : zoned(row.getMetaData(), column);
            Instant instant = isZoned ? timestamp.toInstant()
                    : timestamp.toLocalDateTime().toInstant(ZoneOffset.UTC);
            return type == Instant.class ? instant : type == OffsetDateTime.class ? instant.atOffset(ZoneOffset.UTC)
                    : LocalDateTime.ofInstant(instant, ZoneOffset.UTC);
        }
        if (driverValue instanceof java.sql.Time time && type == LocalTime.class) {
            return localTime(row, column, time);
        }
        Object raw = plain(driverValue);
        if (raw == null) {
            return null;
        }
        if (type.isInstance(raw)) {
            return raw;
        }
        if (type == Instant.class) {
            return toInstant(raw);
        }
        if (type == OffsetDateTime.class) {
            return toInstant(raw).atOffset(ZoneOffset.UTC);
        }
        if (type == LocalDateTime.class) {
            return raw instanceof String text ? parseLocalDateTime(text) : LocalDateTime.ofInstant(toInstant(raw), ZoneOffset.UTC);
        }
        if (type == LocalDate.class) {
            return raw instanceof String text ? LocalDate.parse(text.length() > 10 ? text.substring(0, 10) : text)
                    : LocalDate.ofInstant(toInstant(raw), ZoneOffset.UTC);
        }
        if (type == LocalTime.class) {
            return LocalTime.parse(raw.toString());
        }
        if (type == UUID.class) {
            return UUID.fromString(raw.toString());
        }
        if (type.isEnum()) {
            return Enum.valueOf((Class<? extends Enum>) type, raw.toString());
        }
        if (type == Object.class) {
            return raw;
        }
        throw new InvalidInputException("unmappable_type", row.getMetaData().getColumnLabel(column),
                "cannot read column " + row.getMetaData().getColumnLabel(column) + " of type "
                        + raw.getClass().getSimpleName() + " as " + type.getSimpleName());
    }

    /**
     * Reads an integer column checked against the range of the Java type asked for. The servers' drivers refuse a
     * value out of range, but SQLite's narrows it silently (9223372036854775807 read as an int is -1) and clamps a
     * REAL beyond a long to Long.MAX_VALUE; a refusal here is the same data exception the servers' drivers throw.
     *
     * @return the value, or {@code null} for SQL NULL
     */
    private static @Nullable Long integral(ResultSet row, int column, long min, long max) throws SQLException {
        long value = row.getLong(column);
        if (row.wasNull()) {
            return null;
        }
        boolean clamped = (value == Long.MAX_VALUE || value == Long.MIN_VALUE)
                && row.getBigDecimal(column).compareTo(BigDecimal.valueOf(value)) != 0;
        if (value < min || value > max || clamped) {
            throw new java.sql.SQLDataException("value out of range", "22003");
        }
        return value;
    }

    /** Whether a column holds instants (PostgreSQL timestamptz) rather than wall-clock date-times. */
    private static boolean zoned(ResultSetMetaData meta, int column) throws SQLException {
        String name = meta.getColumnTypeName(column);
        return name != null && (name.equalsIgnoreCase("timestamptz")
                || name.toLowerCase(Locale.ROOT).contains("with time zone"));
    }

    private static Instant toInstant(Object raw) {
        return switch (raw) {
            case Instant instant -> instant;
            case OffsetDateTime time -> time.toInstant();
            case java.time.ZonedDateTime time -> time.toInstant();
            case LocalDateTime time -> time.toInstant(ZoneOffset.UTC);
            case LocalDate date -> date.atStartOfDay().toInstant(ZoneOffset.UTC);
            case Number epochMillis -> Instant.ofEpochMilli(epochMillis.longValue());
            case String text -> parseInstant(text);
            default -> throw new InvalidInputException("unmappable_type", "column",
                    "cannot read a " + raw.getClass().getSimpleName() + " as an Instant");
        };
    }

    private static Instant parseInstant(String text) {
        try {
            return OffsetDateTime.parse(text.replace(' ', 'T')).toInstant();
        } catch (DateTimeParseException notOffset) {
            return parseLocalDateTime(text).toInstant(ZoneOffset.UTC);
        }
    }

    private static LocalDateTime parseLocalDateTime(String text) {
        String iso = text.replace(' ', 'T');
        try {
            return LocalDateTime.parse(iso);
        } catch (DateTimeParseException e) {
            return OffsetDateTime.parse(iso).withOffsetSameInstant(ZoneOffset.UTC).toLocalDateTime();
        }
    }

    /** Maps rows to a record through its canonical constructor, matching columns by normalised name. */
    private static final class RecordMapper<T> implements RowMapper<T> {
        private final Class<T> type;
        private final Constructor<T> constructor;
        private final RecordComponent[] components;
        private final Map<String, Integer> componentIndex = new LinkedHashMap<>();
        private final ConcurrentHashMap<String, int[]> layouts = new ConcurrentHashMap<>();

        RecordMapper(Class<T> type) {
            this.type = type;
            this.components = type.getRecordComponents();
            Class<?>[] types = new Class<?>[components.length];
            for (int i = 0; i < components.length; i++) {
                types[i] = components[i].getType();
                componentIndex.put(normalise(components[i].getName()), i);
            }
            try {
                this.constructor = type.getDeclaredConstructor(types);
                this.constructor.setAccessible(true);
            } catch (ReflectiveOperationException | RuntimeException e) {
                throw new InvalidInputException("unmappable_type", "type",
                        "cannot use the canonical constructor of " + type.getName(), e);
            }
        }

        @Override
        public T map(ResultSet row) throws SQLException {
            return map(row, layout(row.getMetaData()));
        }

        T map(ResultSet row, int[] columnOf) throws SQLException {
            return map(row, columnOf, null);
        }

        T map(ResultSet row, int[] columnOf, boolean @Nullable [] zoned) throws SQLException {
            @Nullable Object[] args = new @Nullable Object[components.length];
            for (int i = 0; i < components.length; i++) {
                args[i] = read(row, columnOf[i], components[i].getType(), zoned == null ? null : zoned[columnOf[i]]);
            }
            try {
                return constructor.newInstance(args);
            } catch (InvocationTargetException e) {
                Throwable cause = e.getCause();
                if (cause instanceof RuntimeException runtime) {
                    throw runtime;
                }
                throw new InvalidInputException("unmappable_type", "type",
                        "constructor of " + type.getName() + " failed", cause);
            } catch (ReflectiveOperationException e) {
                throw new InvalidInputException("unmappable_type", "type", "cannot construct " + type.getName(), e);
            }
        }

        /** The last layout computed, reused while queries return the same column labels. */
        private volatile @Nullable Layout last;

        private record Layout(String[] labels, int[] columnOf) {
        }

        /** The column of each component, computed once per distinct column list. */
        private int[] layout(ResultSetMetaData meta) throws SQLException {
            int count = meta.getColumnCount();
            Layout previous = last;
            if (previous != null && previous.labels().length == count) {
                boolean same = true;
                for (int i = 0; i < count && same; i++) {
                    same = previous.labels()[i].equals(meta.getColumnLabel(i + 1));
                }
                if (same) {
                    return previous.columnOf();
                }
            }
            String[] labels = new String[count];
            StringBuilder key = new StringBuilder();
            for (int i = 1; i <= count; i++) {
                labels[i - 1] = meta.getColumnLabel(i);
                key.append(labels[i - 1]).append(',');
            }
            int[] cached = layouts.get(key.toString());
            if (cached != null) {
                last = new Layout(labels, cached);
                return cached;
            }
            int[] columnOf = new int[components.length];
            for (int i = 1; i <= count; i++) {
                Integer component = componentIndex.get(normalise(meta.getColumnLabel(i)));
                if (component != null) {
                    columnOf[component] = i;
                }
            }
            for (int i = 0; i < components.length; i++) {
                if (columnOf[i] == 0) {
                    throw new InvalidInputException("unmappable_type", components[i].getName(),
                            "the result has no column for " + type.getSimpleName() + "." + components[i].getName()
                                    + " (columns: " + key.substring(0, Math.max(0, key.length() - 1)) + ")");
                }
            }
            if (layouts.size() < 64) {
                layouts.put(key.toString(), columnOf);
            }
            last = new Layout(labels, columnOf);
            return columnOf;
        }

        private static String normalise(String name) {
            return name.replace("_", "").toLowerCase(Locale.ROOT);
        }
    }
}
