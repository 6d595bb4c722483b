package dev.weft.db.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class SqlTablesTest {
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "SELECT * FROM users | users",
        "select id from Users u where u.id = :id | users",
        "SELECT * FROM a JOIN b ON a.id = b.a_id LEFT JOIN c ON c.id = b.c_id | a,b,c",
        "SELECT * FROM a, b AS bee, c WHERE a.x = 1 | a,b,c",
        "SELECT * FROM public.users | users",
        "SELECT * FROM \"Users\" | users",
        "SELECT * FROM `orders` | orders",
        "SELECT * FROM (SELECT id FROM inner_t) s JOIN outer_t o ON o.id = s.id | inner_t,outer_t",
        "SELECT 'FROM fake' AS x FROM real_t -- FROM commented | real_t",
        "SELECT count(*) FROM t WHERE x IN (SELECT y FROM u) | t,u",
    })
    void readsTheTablesOfPlainQueries(String sql, String expected) {
        assertThat(SqlTables.readTables(sql)).contains(Set.of(expected.split(",")));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "SELECT * FROM generate_series(1, 10)",
        "SELECT * FROM LATERAL (VALUES (1)) v",
        "SELECT * FROM (VALUES (1), (2)) AS v(x)",
        "SELECT substring(name FROM 2) FROM t",
        "SELECT * FROM",
    })
    void refusesWhatItCannotReadSurely(String sql) {
        assertThat(SqlTables.readTables(sql)).isEmpty();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "INSERT INTO users (a) VALUES (1) | users",
        "insert into public.Users values (1) | users",
        "UPDATE accounts SET x = 1 | accounts",
        "UPDATE ONLY accounts SET x = 1 | accounts",
        "DELETE FROM sessions WHERE id = 1 | sessions",
        "REPLACE INTO kv VALUES (1) | kv",
        "TRUNCATE TABLE logs | logs",
    })
    void findsTheTableAWriteTargets(String sql, String table) {
        assertThat(SqlTables.writeTarget(sql)).contains(table);
    }

    @ParameterizedTest
    @ValueSource(strings = {"CREATE TABLE x (id int)", "DROP TABLE x", "TRUNCATE a, b", "CALL refresh()", "VACUUM"})
    void doesNotGuessTheTargetOfOtherStatements(String sql) {
        assertThat(SqlTables.writeTarget(sql)).isEqualTo(Optional.empty());
    }

    @org.junit.jupiter.api.Test
    void lexesStringsAsTheDialectDoes() {
        String postgres = "SELECT * FROM a WHERE p = 'x\\' UNION SELECT * FROM b WHERE q = 'y'";
        String mysql = "SELECT * FROM a WHERE x = \"it's\" UNION SELECT * FROM b WHERE y = 'z'";

        assertThat(SqlTables.readTables(postgres, false)).contains(Set.of("a", "b"));
        assertThat(SqlTables.readTables(mysql, true)).contains(Set.of("a", "b"));
        assertThat(SqlTables.readTables("SELECT $$ FROM x $$ AS s FROM real_t", false)).contains(Set.of("real_t"));
    }

    @org.junit.jupiter.api.Test
    void findsTheTableOfAMySqlUpdateWithModifiersAndRefusesAMultiTableOne() {
        assertThat(SqlTables.writeTarget("UPDATE IGNORE t SET x = 1", true)).contains("t");
        assertThat(SqlTables.writeTarget("UPDATE LOW_PRIORITY t AS u SET x = 1", true)).contains("t");
        assertThat(SqlTables.writeTarget("UPDATE a JOIN b ON a.id = b.a_id SET b.x = 1", true)).isEmpty();
        assertThat(SqlTables.writeTarget("UPDATE a, b SET b.x = 1", true)).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"SELECT 1", "  select * from t", "WITH x AS (SELECT 1) SELECT * FROM x", "VALUES (1)"})
    void knowsAReadFromAWrite(String sql) {
        assertThat(SqlTables.isRead(sql)).isTrue();
        assertThat(SqlTables.isRead("WITH gone AS (DELETE FROM t RETURNING *) SELECT * FROM gone")).isFalse();
        assertThat(SqlTables.isRead("UPDATE t SET x = 1 RETURNING x")).isFalse();
    }
}
