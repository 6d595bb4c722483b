package dev.weft.db.repository;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.core.InvalidInputException;
import dev.weft.db.DatabaseType;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Mapping a record to a table and checking configs, without a database. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class RepositoryConfigTest {
    record User(Long id, String email, Instant createdAt, String userID, int line2Total) {
    }

    record Keyed(String userId, String name) {
    }

    @Test
    void mapsComponentsToSnakeCaseColumns() {
        assertThat(EntityTable.snakeCase("createdAt")).isEqualTo("created_at");
        assertThat(EntityTable.snakeCase("id")).isEqualTo("id");
        assertThat(EntityTable.snakeCase("userID")).isEqualTo("user_id");
        assertThat(EntityTable.snakeCase("httpURLCount")).isEqualTo("http_url_count");
        assertThat(EntityTable.snakeCase("line2Total")).isEqualTo("line2_total");
        assertThat(EntityTable.snakeCase("already_snake")).isEqualTo("already_snake");
    }

    @Test
    void quotesForTheDialect() {
        EntityTable<User> postgres = EntityTable.of(RepositoryConfig.of("users", User.class, Long.class),
                DatabaseType.POSTGRESQL);
        EntityTable<User> mariadb = EntityTable.of(RepositoryConfig.of("users", User.class, Long.class),
                DatabaseType.MARIADB);

        assertThat(postgres.selectList())
                .isEqualTo("\"id\", \"email\", \"created_at\", \"user_id\", \"line2_total\"");
        assertThat(mariadb.quotedTable()).isEqualTo("`users`");
    }

    @Test
    void resolvesAnIdFieldGivenAsComponentOrColumn() {
        RepositoryConfig<Keyed, String> byComponent = RepositoryConfig.of("k", Keyed.class, String.class)
                .withIdField("userId");
        RepositoryConfig<Keyed, String> byColumn = byComponent.withIdField("user_id");

        assertThat(EntityTable.of(byComponent, DatabaseType.SQLITE).idColumn()).isEqualTo("user_id");
        assertThat(EntityTable.of(byColumn, DatabaseType.SQLITE).idColumn()).isEqualTo("user_id");
    }

    @Test
    void refusesAMissingIdComponent() {
        assertThatThrownBy(() -> EntityTable.of(RepositoryConfig.of("k", Keyed.class, String.class),
                DatabaseType.SQLITE))
                .isInstanceOfSatisfying(InvalidInputException.class,
                        refused -> assertThat(refused.code()).isEqualTo("invalid_entity"))
                .hasMessageContaining("no id component id");
    }

    @Test
    void refusesAnIdTypeThatIsNotTheComponentsType() {
        assertThatThrownBy(() -> EntityTable.of(RepositoryConfig.of("users", User.class, String.class),
                DatabaseType.SQLITE))
                .isInstanceOfSatisfying(InvalidInputException.class,
                        refused -> assertThat(refused.code()).isEqualTo("invalid_entity"))
                .hasMessageContaining("not a java.lang.String");
    }

    @Test
    void refusesAnInvalidTableName() {
        assertThatThrownBy(() -> EntityTable.of(RepositoryConfig.of("users; drop", User.class, Long.class),
                DatabaseType.SQLITE))
                .isInstanceOfSatisfying(InvalidInputException.class,
                        refused -> assertThat(refused.code()).isEqualTo("invalid_entity"));
    }

    @Test
    void parsesTheGuidesOrderByForm() {
        assertThat(OrderBy.parse("created_at")).isEqualTo(OrderBy.asc("created_at"));
        assertThat(OrderBy.parse("-created_at")).isEqualTo(OrderBy.desc("created_at"));
        assertThat(OrderBy.parse("-created_at")).hasToString("-created_at");
    }
}
