package dev.weft.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A stream opened in a transaction belongs to it: read after the transaction ended it fails as
 * {@code transaction_finished} on every database (SQLite returned no rows, the others a bare "ResultSet is closed"),
 * and touches nothing on the connection, which is back in the pool.
 */
class TransactionStreamTest {
    @ParameterizedTest
    @EnumSource(value = TestDatabases.class, names = {"POSTGRESQL", "MARIADB", "SQLITE"})
    void aStreamReadAfterItsTransactionEndedFailsAsTransactionFinished(TestDatabases target) {
        String rows = "SELECT 1 AS x UNION ALL SELECT 2 UNION ALL SELECT 3";
        try (Database db = Database.create(target.config(builder -> builder.poolSize(1)))) {
            AtomicReference<Stream<Long>> leaked = new AtomicReference<>();
            db.inTransaction(tx -> {
                leaked.set(tx.query(rows, Map.of()).fetchSize(1).stream(Long.class));
                return null;
            });

            try (Stream<Long> stream = leaked.get()) {
                assertThatThrownBy(stream::count).isInstanceOfSatisfying(DatabaseException.class,
                        e -> assertThat(e.code()).isEqualTo("transaction_finished"));
            }
            // the pool's one connection was left alone and serves the next caller
            assertThat(db.query(rows, Map.of(), Long.class)).containsExactly(1L, 2L, 3L);
        }
    }
}
