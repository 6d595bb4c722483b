package dev.weft.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A connection that failed in a way weft did not translate (an {@link Error} such as an OutOfMemoryError while rows
 * were read, or a driver's own runtime exception) is evicted, not given to the next caller with an unread reply on
 * it: pgjdbc then answered the next query with "Received resultset tuples, but no field structure for them".
 */
class BrokenConnectionTest {
    private static final RowMapper<Long> OUT_OF_MEMORY = row -> {
        throw new OutOfMemoryError("simulated: the rows did not fit");
    };

    @ParameterizedTest
    @EnumSource(value = TestDatabases.class, names = {"POSTGRESQL", "MARIADB", "SQLITE"})
    void anErrorWhileRowsAreReadEvictsTheConnection(TestDatabases target) {
        try (Database db = Database.create(target.config(builder -> builder.poolSize(1)))) {
            long before = db.poolStatus().invalid();

            assertThatThrownBy(() -> db.query(rows(target), Map.of()).list(OUT_OF_MEMORY))
                    .isInstanceOf(OutOfMemoryError.class);

            assertThat(db.poolStatus().invalid()).isEqualTo(before + 1);
            assertThat(db.query(rows(target), Map.of(), Long.class)).hasSize(3);
        }
    }

    @ParameterizedTest
    @EnumSource(value = TestDatabases.class, names = {"POSTGRESQL", "MARIADB"})
    void aDriverRuntimeExceptionEvictsTheConnectionButAMappersOrATranslatedFailureDoesNot(TestDatabases target) {
        try (Database db = Database.create(target.config(builder -> builder.poolSize(1)))) {
            long before = db.poolStatus().invalid();

            assertThatThrownBy(() -> db.query(rows(target), Map.of()).list(row -> {
                throw new IllegalStateException("the caller's mapper refuses this row");
            })).isInstanceOf(IllegalStateException.class);
            assertThat(db.poolStatus().invalid()).isEqualTo(before);

            // as pgjdbc threw it from a stream out of step: its own frame on top
            assertThatThrownBy(() -> db.query(rows(target), Map.of()).list(row -> {
                IllegalStateException outOfStep = new IllegalStateException(
                        "Received resultset tuples, but no field structure for them");
                outOfStep.setStackTrace(new StackTraceElement[] {new StackTraceElement(
                        "org.postgresql.core.v3.QueryExecutorImpl", "processResults", "QueryExecutorImpl.java", 2343)});
                throw outOfStep;
            })).isInstanceOf(IllegalStateException.class);
            assertThat(db.poolStatus().invalid()).isEqualTo(before + 1);

            // a statement the database refused is translated and leaves the connection as it was
            assertThatThrownBy(() -> db.query("SELECT * FROM no_such_table_here", Map.of(), Long.class))
                    .isInstanceOf(DatabaseException.class);
            assertThat(db.poolStatus().invalid()).isEqualTo(before + 1);
        }
    }

    @ParameterizedTest
    @EnumSource(value = TestDatabases.class, names = {"POSTGRESQL", "MARIADB", "SQLITE"})
    void anErrorInsideATransactionOrAStreamEvictsItsConnection(TestDatabases target) {
        try (Database db = Database.create(target.config(builder -> builder.poolSize(1)))) {
            long before = db.poolStatus().invalid();

            assertThatThrownBy(() -> db.inTransaction(tx -> tx.query(rows(target), Map.of()).list(OUT_OF_MEMORY)))
                    .isInstanceOf(OutOfMemoryError.class);
            assertThat(db.poolStatus().invalid()).isEqualTo(before + 1);

            assertThatThrownBy(() -> {
                try (Stream<Long> stream = db.query(rows(target), Map.of()).fetchSize(1).stream(OUT_OF_MEMORY)) {
                    stream.toList();
                }
            }).isInstanceOf(OutOfMemoryError.class);
            assertThat(db.poolStatus().invalid()).isEqualTo(before + 2);

            // a caller's own exception in a transaction is a rollback, not a broken connection
            assertThatThrownBy(() -> db.inTransaction(tx -> {
                tx.query(rows(target), Map.of(), Long.class);
                throw new IllegalArgumentException("the caller's rule");
            })).isInstanceOf(IllegalArgumentException.class);
            assertThat(db.poolStatus().invalid()).isEqualTo(before + 2);
            assertThat(db.query(rows(target), Map.of(), Long.class)).isEqualTo(List.of(1L, 2L, 3L));
        }
    }

    private static String rows(TestDatabases target) {
        return target == TestDatabases.POSTGRESQL ? "SELECT x FROM generate_series(1, 3) AS x ORDER BY x"
                : "SELECT 1 AS x UNION ALL SELECT 2 UNION ALL SELECT 3";
    }
}
