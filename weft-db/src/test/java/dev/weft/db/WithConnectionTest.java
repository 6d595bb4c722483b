package dev.weft.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Statement;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** {@link Database#withConnection}: one connection, autocommit, what the work leaves uncommitted rolled back. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class WithConnectionTest {

    @ParameterizedTest
    @EnumSource(TestDatabases.class)
    void lendsOneAutocommitConnectionAndRollsBackWhatTheWorkLeftOpen(TestDatabases target) {
        try (Database db = target.open()) {
            String table = TestDatabases.table("lent");
            db.execute("CREATE TABLE " + table + " (id INTEGER)" + target.tableOptions());
            try {
                boolean autocommit = db.withConnection(connection -> {
                    boolean was = connection.getAutoCommit();
                    try (Statement statement = connection.createStatement()) {
                        statement.executeUpdate("INSERT INTO " + table + " (id) VALUES (1)");
                        connection.setAutoCommit(false);
                        statement.executeUpdate("INSERT INTO " + table + " (id) VALUES (2)"); // never committed
                    }
                    return was;
                });

                assertThat(autocommit).isTrue();
                assertThat(db.query("SELECT id FROM " + table, Map.of(), Integer.class)).containsExactly(1);
                // the connection went back to the pool in autocommit: a plain insert is kept
                db.withConnection(connection -> connection.getAutoCommit() ? 1 : 0);
                db.insert(table, Map.of("id", 3)).execute();
                assertThat(db.query("SELECT count(*) FROM " + table, Map.of(), Long.class)).containsExactly(2L);
            } finally {
                db.execute("DROP TABLE " + table);
            }
        }
    }

    @org.junit.jupiter.api.Test
    void aConnectionWhoseWorkFailedIsClosedNotLentAgainWithWhatItLeft() {
        try (Database db = Database.create(TestDatabases.POSTGRESQL.config(builder -> builder.poolSize(1)))) {
            assertThatThrownBy(() -> db.withConnection(connection -> {
                try (Statement statement = connection.createStatement()) {
                    statement.execute("BEGIN"); // in SQL: JDBC still says autocommit
                    statement.execute("SELECT pg_advisory_lock(4242)");
                    return statement.execute("SELECT 1/0");
                }
            })).isInstanceOf(DatabaseException.class);

            // the one pooled connection is a new one: no aborted transaction, no lock
            assertThat(db.query("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = 4242",
                    Map.of(), Long.class)).containsExactly(0L);
            assertThat(db.poolStatus().invalid()).isPositive();
        }
    }

    @ParameterizedTest
    @EnumSource(value = TestDatabases.class, names = {"POSTGRESQL", "SQLITE"})
    void aDriverFailureComesBackTranslatedAndInsideATransactionItIsRefused(TestDatabases target) {
        try (Database db = target.open()) {
            assertThatThrownBy(() -> db.withConnection(connection -> {
                try (Statement statement = connection.createStatement()) {
                    return statement.executeQuery("SELECT * FROM no_such_table_lent");
                }
            })).isInstanceOf(DatabaseException.class).hasMessageContaining("database '");
            assertThatThrownBy(() -> db.inTransaction(tx -> db.withConnection(connection -> 1)))
                    .isInstanceOfSatisfying(DatabaseException.class,
                            e -> assertThat(e.code()).isEqualTo("connection_in_transaction"));
        }
    }
}
