package dev.weft.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.core.InvalidInputException;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * PostgreSQL's jsonb operators {@code ?}, {@code ?|} and {@code ?&} could not be written at all: every {@code ?} was
 * refused as a positional parameter, {@code ??} (JDBC's own escape for them) included. They are written {@code ??}
 * as with pgjdbc itself; elsewhere, where no driver reads {@code ??}, it stays refused before anything is sent.
 */
class QuestionMarkOperatorTest {
    @ParameterizedTest
    @EnumSource(TestDatabases.class)
    void postgresQuestionMarkOperatorsAreWrittenDoubled(TestDatabases target) {
        try (Database db = Database.create(target.config(builder -> builder.poolSize(1)))) {
            if (target == TestDatabases.POSTGRESQL) {
                Map<String, Object> values = Map.of("doc", "{\"a\": 1, \"b\": 2}", "key", "a");
                assertThat(db.query("SELECT CAST(:doc AS jsonb) ?? :key", values, Boolean.class)).containsExactly(true);
                assertThat(db.query("SELECT CAST(:doc AS jsonb) ??| ARRAY['z', :key]", values, Boolean.class))
                        .containsExactly(true);
                assertThat(db.query("SELECT CAST(:doc AS jsonb) ??& ARRAY['z', :key]", values, Boolean.class))
                        .containsExactly(false);
                assertThat(db.batch("SELECT CAST(:doc AS jsonb) ?? :key", java.util.List.of(values)).execute())
                        .isNotNegative();
            } else {
                assertThatThrownBy(() -> db.query("SELECT 1 ?? 2", Map.of(), Long.class))
                        .isInstanceOfSatisfying(InvalidInputException.class,
                                e -> assertThat(e.code()).isEqualTo("invalid_sql"));
            }
        }
    }
}
