package dev.weft.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A database found down says why in the exception a caller gets (it said "down since 1 ms (database_unavailable)",
 * with no cause), and carries the driver's failure as its cause.
 */
class DatabaseDownReasonTest {
    @Test
    void aMissingDatabaseIsNamedInTheCallersException() {
        DatabaseConfig missing = TestDatabases.POSTGRESQL.config(builder -> builder.database("weft_no_such_db"));
        try (Database db = Database.create(missing)) {
            assertThatThrownBy(() -> db.query("SELECT 1", Map.of(), Integer.class))
                    .isInstanceOfSatisfying(DatabaseUnavailableException.class, e -> {
                        assertThat(e.getMessage()).contains("database_not_found").contains("weft_no_such_db");
                        assertThat(e.getCause()).isInstanceOf(java.sql.SQLException.class);
                    });
        }
    }

    @Test
    void aRefusedConnectionIsNamedToo() {
        DatabaseConfig nobody = TestDatabases.POSTGRESQL.config(builder -> builder.port(1));
        try (Database db = Database.create(nobody)) {
            assertThatThrownBy(() -> db.query("SELECT 1", Map.of(), Integer.class))
                    .isInstanceOfSatisfying(DatabaseUnavailableException.class,
                            e -> assertThat(e.getMessage()).contains("connection_refused"));
        }
    }
}
