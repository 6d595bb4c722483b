package dev.weft.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.core.InvalidInputException;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A text column read as a number is one mapping error on the servers (it was {@code invalid_value}, "the database
 * rejected a value", on PostgreSQL and a bare {@code sql_error} on MariaDB), naming the column and the types but
 * never the value. SQLite converts by itself, as its typing rules say, and is not covered here.
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
}
