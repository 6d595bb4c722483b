package dev.weft.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.core.InvalidInputException;
import java.math.BigInteger;
import java.time.LocalDate;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A text column read as a number is one mapping error on the servers (it was {@code invalid_value}, "the database
 * rejected a value", on PostgreSQL and a bare {@code sql_error} on MariaDB), naming the column and the types but
 * never the value. SQLite converts numbers by itself, as its typing rules say, and is not covered by the first
 * test; the conversions weft makes itself (enums, UUIDs, dates) fail alike on every dialect.
 */
class WrongColumnTypeTest {
    @ParameterizedTest
    @EnumSource(value = TestDatabases.class, names = {"POSTGRESQL", "MARIADB"})
    void aTextColumnReadAsANumberIsAnUnmappableType(TestDatabases target) {
        try (Database db = Database.create(target.config(builder -> builder.poolSize(1)))) {
            assertThatThrownBy(() -> db.query("SELECT 'alice@example.org' AS email", Map.of(), Long.class))
                    .isInstanceOfSatisfying(InvalidInputException.class, e -> {
                        assertThat(e.code()).isEqualTo("unmappable_type");
                        assertThat(e.getMessage()).contains("column email").contains("cannot be read as Long")
                                .doesNotContain("alice");
                    });
            assertThatThrownBy(() -> db.query("SELECT 'x' AS flag", Map.of(), Integer.class))
                    .isInstanceOf(InvalidInputException.class).hasMessageContaining("cannot be read as Integer");
            assertThat(db.poolStatus().invalid()).isZero(); // a mapping error leaves the connection as it was
            assertThat(db.query("SELECT 42 AS n", Map.of(), Long.class)).containsExactly(42L);
        }
    }

    enum Plan { FREE, PRO }

    record Account(long id, Plan plan) {
    }

    /**
     * Text that is not one of an enum's constants, a UUID or a date, and a fraction read as a BigInteger, failed with
     * the JDK's own IllegalArgumentException, DateTimeParseException or ArithmeticException: no code, no column, and
     * the enum's and UUID's messages quoted the stored value. They are the same mapping error as a text read as a
     * number, on every dialect (SQLite included: weft converts these itself).
     */
    @ParameterizedTest
    @EnumSource(TestDatabases.class)
    void aValueWeftCannotConvertIsAnUnmappableTypeNamingTheColumnNotTheValue(TestDatabases target) {
        try (Database db = Database.create(target.config(builder -> builder.poolSize(1)))) {
            assertUnmappable(() -> db.query("SELECT 'alice@example.org' AS plan", Map.of(), Plan.class),
                    "column plan", "Plan");
            assertUnmappable(() -> db.query("SELECT 7 AS id, 'alice@example.org' AS plan", Map.of(), Account.class),
                    "column plan", "Plan");
            assertUnmappable(() -> db.query("SELECT 'alice@example.org' AS token", Map.of(), UUID.class),
                    "column token", "UUID");
            assertUnmappable(() -> db.query("SELECT 'alice@example.org' AS born", Map.of(), LocalDate.class),
                    "column born", "LocalDate");
            assertUnmappable(() -> db.query("SELECT CAST(2.5 AS DECIMAL(5,2)) AS amount", Map.of(), BigInteger.class),
                    "column amount", "BigInteger");
            assertThat(db.query("SELECT 'PRO' AS plan", Map.of(), Plan.class)).containsExactly(Plan.PRO);
        }
    }

    private static void assertUnmappable(org.assertj.core.api.ThrowableAssert.ThrowingCallable call, String column,
            String type) {
        assertThatThrownBy(call).isInstanceOfSatisfying(InvalidInputException.class, e -> {
            assertThat(e.code()).isEqualTo("unmappable_type");
            assertThat(e.getMessage()).contains(column).contains("cannot be read as " + type)
                    .doesNotContain("alice");
        });
    }

    record Counter(long id, int hits) {
    }

    /**
     * A number too large for the Java type asked for is a mapping error, not a different number: SQLite's driver
     * read 9223372036854775807 as the int -1 and 1e19 as Long.MAX_VALUE, where the servers' drivers refuse. Byte,
     * which weft accepts as a scalar type, could not be read at all.
     */
    @ParameterizedTest
    @EnumSource(TestDatabases.class)
    void aNumberOutOfTheRangeOfItsJavaTypeIsRefusedNotWrapped(TestDatabases target) {
        try (Database db = Database.create(target.config(builder -> builder.poolSize(1)))) {
            assertUnmappable(() -> db.query("SELECT 9223372036854775807 AS n", Map.of(), Integer.class),
                    "column n", "Integer");
            assertUnmappable(() -> db.query("SELECT 1 AS id, 3000000000 AS hits", Map.of(), Counter.class),
                    "column hits", "int");
            assertUnmappable(() -> db.query("SELECT 70000 AS n", Map.of(), Short.class), "column n", "Short");
            assertUnmappable(() -> db.query("SELECT 300 AS n", Map.of(), Byte.class), "column n", "Byte");
            assertUnmappable(() -> db.query("SELECT 1e19 AS n", Map.of(), Long.class), "column n", "Long");

            assertThat(db.query("SELECT 9223372036854775807 AS n", Map.of(), Long.class))
                    .containsExactly(Long.MAX_VALUE);
            assertThat(db.query("SELECT -9223372036854775807 - 1 AS n", Map.of(), Long.class))
                    .containsExactly(Long.MIN_VALUE);
            assertThat(db.query("SELECT -2147483648 AS n", Map.of(), Integer.class)).containsExactly(Integer.MIN_VALUE);
            assertThat(db.query("SELECT -128 AS n", Map.of(), Byte.class)).containsExactly((byte) -128);
            assertThat(db.query("SELECT 1 AS id, 2147483647 AS hits", Map.of(), Counter.class))
                    .containsExactly(new Counter(1, Integer.MAX_VALUE));
        }
    }

    record Grade(long id, char letter) {
    }

    /** A Character can be bound (as a one-character string), so it can be read back, as a scalar or a field. */
    @ParameterizedTest
    @EnumSource(TestDatabases.class)
    void aCharacterBoundIsReadBackAndLongerTextIsRefused(TestDatabases target) {
        try (Database db = Database.create(target.config(builder -> builder.poolSize(1)))) {
            assertThat(db.query("SELECT :c AS c", Map.of("c", 'é'), Character.class)).containsExactly('é');
            assertThat(db.query("SELECT 1 AS id, 'B' AS letter", Map.of(), Grade.class))
                    .containsExactly(new Grade(1, 'B'));
            assertUnmappable(() -> db.query("SELECT 'alice' AS c", Map.of(), Character.class), "column c",
                    "Character");
            // a space in a CHAR(1) column (which MariaDB and MySQL read back without its trailing spaces)
            String table = TestDatabases.table("grades");
            db.execute("CREATE TABLE " + table + " (letter CHAR(1))" + target.tableOptions());
            try {
                db.execute("INSERT INTO " + table + " (letter) VALUES (:c)", Map.of("c", ' '));
                assertThat(db.query("SELECT letter FROM " + table, Map.of(), Character.class)).containsExactly(' ');
            } finally {
                db.execute("DROP TABLE " + table);
            }
        }
    }
}
