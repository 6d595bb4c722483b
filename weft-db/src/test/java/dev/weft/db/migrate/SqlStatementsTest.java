package dev.weft.db.migrate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class SqlStatementsTest {
    @Test
    void splitsAtSemicolonsOutsideQuotesAndComments() {
        String sql = """
                CREATE TABLE a (note VARCHAR(20) DEFAULT 'x;y', "odd;name" INT); -- trailing; comment
                /* block; comment */
                INSERT INTO a (note) VALUES ('it''s;fine');
                -- only a comment;
                """;

        assertThat(SqlStatements.split(sql, false)).containsExactly(
                "CREATE TABLE a (note VARCHAR(20) DEFAULT 'x;y', \"odd;name\" INT)",
                "-- trailing; comment\n/* block; comment */\nINSERT INTO a (note) VALUES ('it''s;fine')");
    }

    @Test
    void keepsPostgresDollarQuotedBodiesWhole() {
        String sql = """
                CREATE FUNCTION f() RETURNS int AS $body$ BEGIN RETURN 1; END; $body$ LANGUAGE plpgsql;
                DO $$ BEGIN PERFORM 1; END $$;
                """;

        assertThat(SqlStatements.split(sql, false)).hasSize(2)
                .first().asString().endsWith("LANGUAGE plpgsql");
    }

    @Test
    void keepsTriggerBodiesWhole() {
        String sql = """
                CREATE TRIGGER t AFTER INSERT ON a BEGIN UPDATE b SET n = n + 1; DELETE FROM c; END;
                CREATE TABLE d (id INT);
                """;

        assertThat(SqlStatements.split(sql, false)).hasSize(2).last().isEqualTo("CREATE TABLE d (id INT)");
    }

    @Test
    void honoursBackslashEscapesAndHashCommentsOnMySql() {
        String sql = "INSERT INTO a VALUES ('a\\';b'); # hash; comment\nSELECT 1";

        assertThat(SqlStatements.split(sql, true)).containsExactly("INSERT INTO a VALUES ('a\\';b')",
                "# hash; comment\nSELECT 1");
    }

    @Test
    void refusesAnUnterminatedLiteral() {
        assertThatThrownBy(() -> SqlStatements.split("SELECT 'oops", false))
                .isInstanceOfSatisfying(dev.weft.core.InvalidInputException.class,
                        e -> org.assertj.core.api.Assertions.assertThat(e.code()).isEqualTo("invalid_sql"));
    }
}
