package dev.weft.db.internal;

import dev.weft.core.InvalidInputException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * Binds parameter values to JDBC placeholders, always as bound values, never as SQL text. Refuses what no
 * database stores faithfully (a string with a NUL character, a collection) and types it does not know, with an
 * error naming the parameter or column and never showing the value. The older JDBC time types
 * ({@code java.util.Date}, {@code java.sql.Timestamp}, {@code java.sql.Date}, {@code java.sql.Time}) and
 * {@link ZonedDateTime} are bound as their {@code java.time} equals, so they behave as {@link Instant},
 * {@link LocalDate}, {@link LocalTime} and {@link OffsetDateTime} do on every dialect.
 */
public final class ValueBinder {
    private ValueBinder() {
    }

    /**
     * Binds every placeholder of {@code sql} from {@code values}.
     *
     * @param statement the prepared statement
     * @param sql the parsed statement
     * @param values the values by parameter name; checked already by {@link NamedSql#checkParameters(Map)}
     * @param dialect the dialect
     * @throws SQLException from the driver
     */
    public static void bindAll(PreparedStatement statement, NamedSql sql, Map<String, ?> values, Dialect dialect)
            throws SQLException {
        List<String> parameters = sql.parameters();
        for (int i = 0; i < parameters.size(); i++) {
            String name = parameters.get(i);
            bind(statement, i + 1, name, values.get(name), dialect);
        }
    }

    /**
     * Checks a value without binding it, so a bad value fails before any connection is taken.
     *
     * @param name the parameter's name
     * @param value the value
     * @throws InvalidInputException if the value cannot be bound
     */
    public static void check(String name, @Nullable Object value) {
        check(name, ":" + name, value);
    }

    /**
     * Checks a column's value without binding it (weft's own writes, which bind by position), so a bad value fails
     * before any connection is taken and the error names the column.
     *
     * @param column the column's name
     * @param value the value
     * @throws InvalidInputException if the value cannot be bound
     */
    public static void checkColumn(String column, @Nullable Object value) {
        check(column, "column '" + column + "'", value);
    }

    private static void check(String field, String described, @Nullable Object value) {
        if (value == null) {
            return;
        }
        if (value instanceof CharSequence text && text.toString().indexOf('\0') >= 0) {
            throw new InvalidInputException("invalid_value", field,
                    "value of " + described + " contains a NUL character, which databases cannot store in text");
        }
        if (value instanceof Iterable<?> || value instanceof Map<?, ?>
                || (value.getClass().isArray() && !(value instanceof byte[]))) {
            throw new InvalidInputException("invalid_value", field,
                    "value of " + described + " is a " + value.getClass().getSimpleName()
                            + "; bind one value per parameter (a Collection is expanded for IN (:name) by a query"
                            + " or execute, not in a batch or a table write)");
        }
        if (!bindable(value)) {
            throw new InvalidInputException("invalid_value", field, "cannot bind a value of type "
                    + value.getClass().getName() + " to " + described + "; bind a String, a number, a Boolean, "
                    + "byte[], a UUID, an enum or a java.time value");
        }
    }

    private static void finite(String name, double number, Dialect dialect) {
        if (!dialect.stores(number)) {
            throw new InvalidInputException("invalid_value", name, "value of :" + name + " is " + number + ", which "
                    + dialect.type().name().toLowerCase(java.util.Locale.ROOT) + " cannot store in a number column");
        }
    }

    /** Whether {@link #bind} knows the value's type: the cases of its switch, kept beside it. */
    private static boolean bindable(Object value) {
        return switch (value) {
            case String _, Integer _, Long _, Boolean _, Double _, Float _, Short _, Byte _, BigDecimal _,
                    BigInteger _, byte[] _, Character _, Enum<?> _, UUID _ -> true;
            case Instant _, OffsetDateTime _, ZonedDateTime _, LocalDateTime _, LocalDate _, LocalTime _,
                    java.util.Date _, CharSequence _ -> true;
            default -> false;
        };
    }

    /**
     * @param statement the prepared statement
     * @param index the placeholder, from 1
     * @param name the parameter's name, for errors
     * @param value the value
     * @param dialect the dialect
     * @throws SQLException from the driver
     */
    public static void bind(PreparedStatement statement, int index, String name, @Nullable Object value,
            Dialect dialect) throws SQLException {
        switch (value) {
            case null -> statement.setNull(index, Types.NULL);
            case String text -> {
                check(name, text);
                statement.setString(index, text);
            }
            case Integer number -> statement.setInt(index, number);
            case Long number -> statement.setLong(index, number);
            case Boolean flag -> statement.setBoolean(index, flag);
            case Double number -> {
                finite(name, number, dialect);
                statement.setDouble(index, number);
            }
            case Float number -> {
                finite(name, number, dialect);
                statement.setFloat(index, number);
            }
            case Short number -> statement.setShort(index, number);
            case Byte number -> statement.setByte(index, number);
            case BigDecimal number -> statement.setBigDecimal(index, number);
            case BigInteger number -> statement.setBigDecimal(index, new BigDecimal(number));
            case byte[] bytes -> statement.setBytes(index, bytes);
            case Character character -> bind(statement, index, name, character.toString(), dialect);
            case Enum<?> constant -> statement.setString(index, constant.name());
            case UUID uuid -> dialect.bindUuid(statement, index, uuid);
            case Instant instant -> dialect.bindTemporal(statement, index, instant);
            case OffsetDateTime time -> dialect.bindTemporal(statement, index, time);
            case LocalDateTime time -> dialect.bindTemporal(statement, index, time);
            case LocalDate date -> dialect.bindTemporal(statement, index, date);
            case LocalTime time -> dialect.bindTemporal(statement, index, time);
            case ZonedDateTime time -> dialect.bindTemporal(statement, index, time.toOffsetDateTime());
            // the java.sql types before java.util.Date, which they extend
            case java.sql.Timestamp time -> dialect.bindTemporal(statement, index, time.toInstant());
            case java.sql.Date date -> dialect.bindTemporal(statement, index, date.toLocalDate());
            case java.sql.Time time -> dialect.bindTemporal(statement, index, time.toLocalTime());
            case java.util.Date date -> dialect.bindTemporal(statement, index, date.toInstant());
            case CharSequence text -> bind(statement, index, name, text.toString(), dialect);
            default -> {
                check(name, value);
                throw new IllegalStateException("bindable() and bind() disagree on " + value.getClass());
            }
        }
    }
}
