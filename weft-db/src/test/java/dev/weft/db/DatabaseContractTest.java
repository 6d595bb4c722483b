package dev.weft.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.core.ErrorKind;
import dev.weft.core.InvalidInputException;
import dev.weft.core.NotFoundException;
import dev.weft.core.WeftException;
import dev.weft.db.internal.RowMappers;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The behaviour every dialect must share, run against real PostgreSQL, MariaDB, MySQL Connector/J on MariaDB
 * (emulated RETURNING) and SQLite. Each test makes and drops its own table.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DatabaseContractTest {
    private static final Map<TestDatabases, Database> OPEN = new EnumMap<>(TestDatabases.class);

    record User(long id, String email, String name, long credits) {
    }

    record Timed(long id, Instant createdAt) {
    }

    private static synchronized Database db(TestDatabases target) {
        return OPEN.computeIfAbsent(target, TestDatabases::open);
    }

    @AfterAll
    static synchronized void closeAll() {
        OPEN.values().forEach(Database::close);
        OPEN.clear();
    }

    /** Creates a users table for one test; the caller drops it. */
    private static String usersTable(TestDatabases target) {
        String table = TestDatabases.table("users");
        String lengthCheck = target == TestDatabases.SQLITE ? " CHECK (length(name) <= 100)" : "";
        db(target).execute("CREATE TABLE " + table + " (" + target.autoId() + ", email VARCHAR(255) NOT NULL UNIQUE,"
                + " name VARCHAR(100)" + lengthCheck + ", bio " + target.longTextType() + ", credits BIGINT NOT NULL DEFAULT 0, created_at "
                + target.timestampType() + ")" + target.tableOptions());
        return table;
    }

    private static void drop(TestDatabases target, String table) {
        db(target).execute("DROP TABLE IF EXISTS " + table);
    }

    private static Map<String, Object> user(String email, String name) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("email", email);
        data.put("name", name);
        return data;
    }

    private static Iterable<List<?>> rows(long count, java.util.function.LongFunction<List<?>> row) {
        return () -> LongStream.range(0, count).<List<?>>mapToObj(row).iterator();
    }

    private static long count(TestDatabases target, String table) {
        return db(target).query("SELECT count(*) FROM " + table, Map.of(), Long.class).getFirst();
    }

    // ---- insert / update / delete with RETURNING --------------------------------------------------------

    @ParameterizedTest
    @EnumSource(TestDatabases.class)
    void insertReturnsTheGeneratedKeyAndColumns(TestDatabases target) {
        String table = usersTable(target);
        try {
            WriteResult<User> first = db(target).insert(table, user("ada@example.com", "Ada"))
                    .returning("id", "email", "name", "credits").execute(User.class);
            WriteResult<User> second = db(target).insert(table, user("bob@example.com", "Bob"))
                    .returning("id", "email", "name", "credits").execute(User.class);

            assertThat(first.count()).isEqualTo(1);
            assertThat(first.rows()).singleElement()
                    .satisfies(row -> assertThat(row.email()).isEqualTo("ada@example.com"))
                    .satisfies(row -> assertThat(row.credits()).isZero());
            assertThat(second.rows().getFirst().id()).isGreaterThan(first.rows().getFirst().id());
        } finally {
            drop(target, table);
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabases.class)
    void insertWithoutReturningGivesTheCountOnly(TestDatabases target) {
        String table = usersTable(target);
        try {
            WriteResult<Map<String, Object>> result = db(target).insert(table, user("a@x.io", "A")).execute();

            assertThat(result.count()).isEqualTo(1);
            assertThat(result.rows()).isEmpty();
            assertThat(count(target, table)).isEqualTo(1);
        } finally {
            drop(target, table);
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabases.class)
    void updateReturningGivesTheNewValuesOfEveryMatchedRow(TestDatabases target) {
        String table = usersTable(target);
        try {
            for (String name : List.of("a", "b", "c")) {
                db(target).insert(table, Map.of("email", name + "@x.io", "name", "team", "credits", 5)).execute();
            }
            db(target).insert(table, Map.of("email", "d@x.io", "name", "other", "credits", 5)).execute();

            WriteResult<User> result = db(target).update(table, Map.of("credits", 42, "name", "renamed"),
                    Map.of("name", "team")).returning("id", "email", "name", "credits").execute(User.class);

            assertThat(result.count()).isEqualTo(3);
            assertThat(result.rows()).hasSize(3).allSatisfy(row -> {
                assertThat(row.credits()).isEqualTo(42);
                assertThat(row.name()).isEqualTo("renamed");
            });
            assertThat(result.rows()).extracting(User::email)
                    .containsExactlyInAnyOrder("a@x.io", "b@x.io", "c@x.io");
            assertThat(db(target).query("SELECT credits FROM " + table + " WHERE email = :email",
                    Map.of("email", "d@x.io"), Long.class)).containsExactly(5L);
        } finally {
            drop(target, table);
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabases.class)
    void returningStarGivesEveryColumnOfEachWrittenRow(TestDatabases target) {
        String table = usersTable(target);
        try {
            User inserted = db(target).insert(table, user("star@x.io", "Star")).returning("*").execute(User.class)
                    .first().orElseThrow();
            List<User> updated = db(target).update(table, Map.of("credits", 9), Map.of("id", inserted.id()))
                    .returning(List.of("*")).execute(User.class).rows();
            List<User> deleted = db(target).delete(table, Map.of("id", inserted.id())).returning("*")
                    .execute(User.class).rows();

            assertThat(inserted.email()).isEqualTo("star@x.io");
            assertThat(inserted.name()).isEqualTo("Star");
            assertThat(updated).singleElement().satisfies(row -> {
                assertThat(row.id()).isEqualTo(inserted.id());
                assertThat(row.credits()).isEqualTo(9);
            });
            assertThat(deleted).singleElement().extracting(User::email).isEqualTo("star@x.io");
            assertThatThrownBy(() -> db(target).insert(table, user("s2@x.io", "S")).returning("id", "*").execute())
                    .isInstanceOf(InvalidInputException.class).hasMessageContaining("'*'");
        } finally {
            drop(target, table);
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabases.class)
    void updateOfAKeyColumnReturnsTheRowUnderItsNewKey(TestDatabases target) {
        String table = usersTable(target);
        try {
            long id = db(target).insert(table, user("k@x.io", "K")).returning("id").execute(Long.class)
                    .first().orElseThrow();

            WriteResult<User> result = db(target).update(table, Map.of("id", id + 1000), Map.of("id", id))
                    .returning("id", "email", "name", "credits").execute(User.class);

            assertThat(result.rows()).singleElement().extracting(User::id).isEqualTo(id + 1000);
        } finally {
            drop(target, table);
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabases.class)
    void aNullInWhereMatchesIsNull(TestDatabases target) {
        String table = usersTable(target);
        try {
            db(target).insert(table, user("named@x.io", "N")).execute();
            Map<String, Object> noName = new HashMap<>();
            noName.put("email", "anon@x.io");
            noName.put("name", null);
            db(target).insert(table, noName).execute();
            Map<String, Object> where = new HashMap<>();
            where.put("name", null);

            WriteResult<Map<String, Object>> result = db(target).update(table, Map.of("credits", 7), where)
                    .returning("email", "credits").execute();

            assertThat(result.rows()).singleElement().satisfies(row -> {
                assertThat(row.get("email")).isEqualTo("anon@x.io");
                assertThat(((Number) row.get("credits")).longValue()).isEqualTo(7);
            });
        } finally {
            drop(target, table);
        }
    }

    /** A NULL returned as a scalar failed with a bare NullPointerException from copying the rows. */
    @ParameterizedTest
    @EnumSource(TestDatabases.class)
    void aNullReturnedAsAScalarIsANullRow(TestDatabases target) {
        String table = usersTable(target);
        try {
            WriteResult<String> created = db(target).insert(table, Map.of("email", "nameless@x.io")).returning("name")
                    .execute(String.class);

            assertThat(created.count()).isEqualTo(1);
            assertThat(created.rows()).containsExactly((String) null);
            assertThat(created.first()).isEmpty();
            assertThat(db(target).update(table, Map.of("credits", 5), Map.of("email", "nameless@x.io"))
                    .returning("created_at").execute(Instant.class).rows()).containsExactly((Instant) null);
        } finally {
            drop(target, table);
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabases.class)
    void deleteReturningGivesTheDeletedRows(TestDatabases target) {
        String table = usersTable(target);
        try {
            db(target).insert(table, user("x@x.io", "gone")).execute();
            db(target).insert(table, user("y@x.io", "gone")).execute();
            db(target).insert(table, user("z@x.io", "kept")).execute();

            WriteResult<User> result = db(target).delete(table, Map.of("name", "gone"))
                    .returning("id", "email", "name", "credits").execute(User.class);

            assertThat(result.count()).isEqualTo(2);
            assertThat(result.rows()).extracting(User::email).containsExactlyInAnyOrder("x@x.io", "y@x.io");
            assertThat(count(target, table)).isEqualTo(1);
        } finally {
            drop(target, table);
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabases.class)
    void writesThatMatchNothingReturnNothing(TestDatabases target) {
        String table = usersTable(target);
        try {
            WriteResult<Map<String, Object>> updated = db(target).update(table, Map.of("credits", 1),
                    Map.of("email", "nobody@x.io")).returning("id").execute();
            WriteResult<Map<String, Object>> deleted = db(target).delete(table, Map.of("email", "nobody@x.io"))
                    .returning("id").execute();

            assertThat(updated.count()).isZero();
            assertThat(updated.rows()).isEmpty();
            assertThat(deleted.count()).isZero();
        } finally {
            drop(target, table);
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabases.class)
    void instantsRoundTripInUtc(TestDatabases target) {
        String table = usersTable(target);
        try {
            Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
            Map<String, Object> data = user("t@x.io", "T");
            data.put("created_at", now);

            Timed row = db(target).insert(table, data).returning("id", "created_at").execute(Timed.class)
                    .first().orElseThrow();

            assertThat(row.createdAt()).isEqualTo(now);
            assertThat(db(target).query("SELECT id, created_at FROM " + table, Map.of(), Timed.class))
                    .extracting(Timed::createdAt).containsExactly(now);
        } finally {
            drop(target, table);
        }
    }

    // ---- queries ----------------------------------------------------------------------------------------

    @ParameterizedTest
    @EnumSource(TestDatabases.class)
    void queriesBindNamedParametersAndMapRowsRecordsAndScalars(TestDatabases target) {
        String table = usersTable(target);
        try {
            db(target).insert(table, Map.of("email", "q1@x.io", "name", "Q", "credits", 10)).execute();
            db(target).insert(table, Map.of("email", "q2@x.io", "name", "Q", "credits", 20)).execute();
            String sql = "SELECT id, email, name, credits FROM " + table
                    + " WHERE name = :name AND credits >= :min ORDER BY credits -- :not_a_param";

            List<User> users = db(target).query(sql, Map.of("name", "Q", "min", 15), User.class);
            List<Map<String, Object>> rows = db(target).queryForRows(sql, Map.of("name", "Q", "min", 0));
            long total = db(target).statement("SELECT sum(credits) FROM " + table + " WHERE name = :name OR name = :name")
                    .bind("name", "Q").one(Long.class);

            assertThat(users).extracting(User::email).containsExactly("q2@x.io");
            assertThat(rows).hasSize(2);
            assertThat(rows.getFirst()).containsKeys("id", "email", "name", "credits");
            assertThat(total).isEqualTo(30);
        } finally {
            drop(target, table);
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabases.class)
    void oneAndOptionalTellNoRowApart(TestDatabases target) {
        String table = usersTable(target);
        try {
            String sql = "SELECT email FROM " + table + " WHERE id = :id";

            assertThat(db(target).query(sql, Map.of("id", 1)).optional(String.class)).isEmpty();
            assertThatThrownBy(() -> db(target).query(sql, Map.of("id", 1)).one(String.class))
                    .isInstanceOf(NotFoundException.class);
        } finally {
            drop(target, table);
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabases.class)
    void aMissingOrUnknownParameterIsNamedAndNothingIsSent(TestDatabases target) {
        String table = usersTable(target);
        try {
            long before = db(target).queryMetrics().total();
            String sql = "SELECT id FROM " + table + " WHERE email = :email AND name = :name";

            assertThatThrownBy(() -> db(target).query(sql, Map.of("email", "a"), Long.class))
                    .isInstanceOfSatisfying(InvalidInputException.class, e -> {
                        assertThat(e.code()).isEqualTo("missing_parameter");
                        assertThat(e.field()).isEqualTo("name");
                        assertThat(e.httpStatus()).isEqualTo(400);
                    });
            assertThatThrownBy(() -> db(target).query(sql, Map.of("email", "a", "name", "b", "nmae", "c"), Long.class))
                    .isInstanceOfSatisfying(InvalidInputException.class, e -> {
                        assertThat(e.code()).isEqualTo("unknown_parameter");
                        assertThat(e.getMessage()).contains(":nmae");
                    });
            assertThat(db(target).queryMetrics().total()).isEqualTo(before);
        } finally {
            drop(target, table);
        }
    }

    // ---- bad input ------------------------------------------------------------------------------------------

    @ParameterizedTest
    @EnumSource(TestDatabases.class)
    void injectedIdentifiersAreRefusedAndTheDataIsUntouched(TestDatabases target) {
        String table = usersTable(target);
        try {
            db(target).insert(table, user("safe@x.io", "Safe")).execute();
            List<String> hostile = List.of(table + "; DROP TABLE " + table, table + "\"", "`" + table + "`",
                    table + "'", table + " ", "us\u0435rs", "x".repeat(64), "", "1users", table + "--");

            for (String name : hostile) {
                assertThatThrownBy(() -> db(target).insert(name, user("e@x.io", "E")).execute())
                        .isInstanceOfSatisfying(InvalidInputException.class,
                                e -> assertThat(e.code()).isEqualTo("invalid_identifier"));
                assertThatThrownBy(() -> db(target).insert(table, Map.of(name, "v")).execute())
                        .isInstanceOf(InvalidInputException.class);
                assertThatThrownBy(() -> db(target).update(table, Map.of("name", "v"), Map.of(name, 1)).execute())
                        .isInstanceOf(InvalidInputException.class);
                assertThatThrownBy(() -> db(target).delete(table, Map.of("id", 1)).returning(name).execute())
                        .isInstanceOf(InvalidInputException.class);
            }

            assertThat(db(target).query("SELECT email FROM " + table, Map.of(), String.class))
                    .containsExactly("safe@x.io");
        } finally {
            drop(target, table);
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabases.class)
    void hostileValuesAreBoundNotExecuted(TestDatabases target) {
        String table = usersTable(target);
        try {
            List<String> values = List.of("O'Brien", "'; DROP TABLE " + table + "; --", "\" OR 1=1 --",
                    "back\\slash\\'", "emoji \uD83D\uDE00 and \u00e9", ":not_a_param ?");
            for (int i = 0; i < values.size(); i++) {
                db(target).insert(table, Map.of("email", i + "@x.io", "name", values.get(i))).execute();
            }

            List<String> stored = db(target).query("SELECT name FROM " + table + " ORDER BY id", Map.of(),
                    String.class);

            assertThat(stored).containsExactlyElementsOf(values);
        } finally {
            drop(target, table);
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabases.class)
    void aNulCharacterIsRefusedNamingTheParameterAndNothingIsWritten(TestDatabases target) {
        String table = usersTable(target);
        try {
            assertThatThrownBy(() -> db(target).insert(table, user("nul@x.io", "a\0b")).execute())
                    .isInstanceOfSatisfying(InvalidInputException.class, e -> {
                        assertThat(e.code()).isEqualTo("invalid_value");
                        assertThat(e.field()).isEqualTo("name");
                        assertThat(e.getMessage()).doesNotContain("a\0b");
                    });
            assertThatThrownBy(() -> db(target).query("SELECT id FROM " + table + " WHERE name = :n",
                    Map.of("n", "x\0"), Long.class)).isInstanceOf(InvalidInputException.class);
            assertThat(count(target, table)).isZero();
        } finally {
            drop(target, table);
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabases.class)
    void optionalAndOneRefuseASecondRowAndFirstTakesTheFirst(TestDatabases target) {
        String table = usersTable(target);
        try {
            db(target).insert(table, user("a@x.io", "same")).execute();
            String byName = "SELECT email FROM " + table + " WHERE name = :name ORDER BY email";
            assertThat(db(target).query(byName, Map.of("name", "same")).optional(String.class)).contains("a@x.io");
            db(target).insert(table, user("b@x.io", "same")).execute();

            assertThatThrownBy(() -> db(target).query(byName, Map.of("name", "same")).optional(String.class))
                    .isInstanceOfSatisfying(DatabaseException.class, e -> {
                        assertThat(e.code()).isEqualTo("too_many_rows");
                        assertThat(e.getMessage()).contains("2 rows").contains("WHERE name = :name");
                    });
            assertThatThrownBy(() -> db(target).query(byName, Map.of("name", "same")).one(String.class))
                    .isInstanceOfSatisfying(DatabaseException.class,
                            e -> assertThat(e.code()).isEqualTo("too_many_rows"));
            assertThat(db(target).query(byName, Map.of("name", "same")).first(String.class)).contains("a@x.io");
            assertThat(db(target).query(byName, Map.of("name", "none")).first(String.class)).isEmpty();
            assertThat(db(target).query(byName, Map.of("name", "none")).optional(String.class)).isEmpty();
        } finally {
            drop(target, table);
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabases.class)
    void aListIsWrittenAsOnePlaceholderPerElementForIn(TestDatabases target) {
        String table = usersTable(target);
        try {
            for (String name : List.of("ann", "bob", "cy", "dee")) {
                db(target).insert(table, user(name + "@x.io", name)).execute();
            }
            String sql = "SELECT name FROM " + table + " WHERE name IN (:names) AND credits = :credits"
                    + " AND (name IN (:names) OR name = ':names') ORDER BY name";

            assertThat(db(target).query(sql, Map.of("names", List.of("dee", "ann", "zed"), "credits", 0L),
                    String.class)).containsExactly("ann", "dee");
            assertThat(db(target).query(sql, Map.of("names", java.util.Set.of("bob"), "credits", 0L), String.class))
                    .containsExactly("bob");
            assertThat(db(target).execute("UPDATE " + table + " SET credits = 5 WHERE name IN (:names)",
                    Map.of("names", List.of("cy", "bob")))).isEqualTo(2);
            // a list of 1,000 keys, and the same statement with another size right after (one text per size)
            List<String> many = java.util.stream.IntStream.range(0, 1000).mapToObj(i -> "n" + i).toList();
            assertThat(db(target).query("SELECT COUNT(*) FROM " + table + " WHERE name IN (:names)",
                    Map.of("names", many), Long.class)).containsExactly(0L);
            assertThat(db(target).query("SELECT COUNT(*) FROM " + table + " WHERE name IN (:names)",
                    Map.of("names", List.of("ann", "n1")), Long.class)).containsExactly(1L);
        } finally {
            drop(target, table);
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabases.class)
    void anEmptyOrUnbindableListIsRefusedBeforeAnythingIsSent(TestDatabases target) {
        String table = usersTable(target);
        try {
            String sql = "SELECT id FROM " + table + " WHERE name IN (:names)";
            assertThatThrownBy(() -> db(target).query(sql, Map.of("names", List.of()), Long.class))
                    .isInstanceOfSatisfying(InvalidInputException.class, e -> {
                        assertThat(e.code()).isEqualTo("invalid_value");
                        assertThat(e.field()).isEqualTo("names");
                        assertThat(e.getMessage()).contains("empty list");
                    });
            assertThatThrownBy(() -> db(target).query(sql, Map.of("names", List.of("a", "b\0")), Long.class))
                    .isInstanceOfSatisfying(InvalidInputException.class,
                            e -> assertThat(e.field()).isEqualTo("names[1]"));
            assertThatThrownBy(() -> db(target).query(sql, Map.of("names", List.of(List.of("a"))), Long.class))
                    .isInstanceOf(InvalidInputException.class);
            List<Integer> tooMany = java.util.stream.IntStream.range(0, 40_000).boxed().toList();
            assertThatThrownBy(() -> db(target).query(sql, Map.of("names", tooMany), Long.class))
                    .isInstanceOfSatisfying(InvalidInputException.class,
                            e -> assertThat(e.getMessage()).contains("32766"));
            assertThatThrownBy(() -> db(target).query("SELECT id FROM " + table + " WHERE name = ANY (:names)",
                    Map.of("names", List.of("a")), Long.class)).isInstanceOfSatisfying(InvalidInputException.class,
                            e -> assertThat(e.getMessage()).contains("IN (:names)"));
            // a batch takes one value per parameter
            assertThatThrownBy(() -> db(target).batch("UPDATE " + table + " SET credits = 1 WHERE name IN (:names)",
                    List.of(Map.of("names", List.of("a")))).execute()).isInstanceOf(InvalidInputException.class);
        } finally {
            drop(target, table);
        }
    }

    /**
     * NaN and the infinities round-trip where the database stores them (PostgreSQL's float types; the infinities on
     * SQLite); elsewhere they are refused naming the parameter: SQLite's driver stored NaN as NULL without a word, and
     * the MySQL family's drivers sent them as bare words the server took for column names.
     */
    @ParameterizedTest
    @EnumSource(TestDatabases.class)
    void aNonFiniteNumberRoundTripsOrIsRefusedNamingTheParameter(TestDatabases target) {
        String table = TestDatabases.table("floats");
        db(target).execute("CREATE TABLE " + table + " (id INTEGER PRIMARY KEY, x DOUBLE PRECISION)"
                + target.tableOptions());
        try {
            for (double value : new double[] {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY}) {
                int id = (int) db(target).query("SELECT COUNT(*) FROM " + table, Map.of(), Long.class).getFirst()
                        .longValue() + 1;
                if (target == TestDatabases.POSTGRESQL || target == TestDatabases.SQLITE && !Double.isNaN(value)) {
                    db(target).execute("INSERT INTO " + table + " (id, x) VALUES (:id, :x)", Map.of("id", id, "x",
                            value));
                    assertThat(db(target).query("SELECT x FROM " + table + " WHERE id = :id", Map.of("id", id),
                            Double.class)).containsExactly(value);
                } else {
                    assertThatThrownBy(() -> db(target).execute("INSERT INTO " + table + " (id, x) VALUES (:id, :x)",
                            Map.of("id", id, "x", value))).as(Double.toString(value))
                            .isInstanceOfSatisfying(InvalidInputException.class, e -> {
                                assertThat(e.code()).isEqualTo("invalid_value");
                                assertThat(e.field()).isEqualTo("x");
                            });
                    assertThatThrownBy(() -> db(target).insert(table, Map.of("id", id, "x", (float) value)).execute())
                            .isInstanceOf(InvalidInputException.class);
                }
            }
            long stored = target == TestDatabases.POSTGRESQL ? 3 : target == TestDatabases.SQLITE ? 2 : 0;
            assertThat(db(target).query("SELECT COUNT(*) FROM " + table, Map.of(), Long.class))
                    .containsExactly(stored);
        } finally {
            drop(target, table);
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabases.class)
    void aHugeStringRoundTripsThroughText(TestDatabases target) {
        String table = usersTable(target);
        try {
            String huge = "0123456789abcdef".repeat(64 * 1024); // 1 MiB

            db(target).insert(table, Map.of("email", "big@x.io", "bio", huge)).execute();

            assertThat(db(target).query("SELECT bio FROM " + table, Map.of(), String.class).getFirst())
                    .isEqualTo(huge);
        } finally {
            drop(target, table);
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabases.class)
    void aValueTooLongForItsColumnIsA400AndNothingIsWritten(TestDatabases target) {
        String table = usersTable(target);
        try {
            assertThatThrownBy(() -> db(target).insert(table, user("long@x.io", "n".repeat(10_000))).execute())
                    .isInstanceOfSatisfying(DatabaseException.class, e -> {
                        assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_INPUT);
                        assertThat(e.code()).isEqualTo("invalid_value");
                        assertThat(e.getMessage()).doesNotContain("nnnnnnnnnn");
                    });
            assertThat(count(target, table)).isZero();
        } finally {
            drop(target, table);
        }
    }

    /**
     * Text bound to a number or date column on MariaDB/MySQL is a wrong format, not a value too long: MySQL
     * Connector/J reports it as a data truncation (SQLState 22001), and the message called it "too long for its
     * column". (PostgreSQL refuses the statement's types instead; SQLite stores the text.)
     */
    @ParameterizedTest
    @EnumSource(value = TestDatabases.class, names = {"MARIADB", "MYSQL"})
    void textBoundToANumberOrDateColumnIsAWrongFormatNotATooLongValue(TestDatabases target) {
        String table = usersTable(target);
        try {
            for (String column : List.of("credits", "created_at")) {
                Map<String, Object> data = user("format@x.io", "F");
                data.put(column, "not-a-" + column);
                assertThatThrownBy(() -> db(target).insert(table, data).execute())
                        .isInstanceOfSatisfying(DatabaseException.class, e -> {
                            assertThat(e.code()).isEqualTo("invalid_value");
                            assertThat(e.getMessage()).contains("wrong format for its column")
                                    .doesNotContain("too long").doesNotContain("not-a-");
                        });
            }
            assertThat(count(target, table)).isZero();
        } finally {
            drop(target, table);
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabases.class)
    void aUniqueViolationIsA409AndKeepsTheFirstRow(TestDatabases target) {
        String table = usersTable(target);
        try {
            db(target).insert(table, user("dup@x.io", "First")).execute();

            assertThatThrownBy(() -> db(target).insert(table, user("dup@x.io", "Second")).returning("id").execute())
                    .isInstanceOfSatisfying(ConstraintViolationException.class, e -> {
                        assertThat(e.constraint()).isEqualTo(ConstraintViolationException.Constraint.UNIQUE);
                        assertThat(e.httpStatus()).isEqualTo(409);
                        assertThat(e.getMessage()).doesNotContain("dup@x.io");
                        assertThat(e.getCause()).isNotNull();
                    });
            assertThat(db(target).query("SELECT name FROM " + table, Map.of(), String.class)).containsExactly("First");
        } finally {
            drop(target, table);
        }
    }

    /** A standby, or a primary made read-only for a failover: a 503 that committed nothing, on a fresh connection. */
    @ParameterizedTest
    @EnumSource(value = TestDatabases.class, names = {"POSTGRESQL", "MARIADB", "MYSQL"})
    void aWriteRefusedByAReadOnlyServerIsA503AndItsConnectionIsDiscarded(TestDatabases target) {
        String table = usersTable(target);
        String readOnly = target == TestDatabases.POSTGRESQL ? "SET TRANSACTION READ ONLY"
                : "SET SESSION TRANSACTION READ ONLY";
        try (Database single = Database.create(target.config(builder -> builder.poolSize(1)))) {
            assertThatThrownBy(() -> single.inTransaction(tx -> {
                tx.execute(readOnly); // what a connection to a standby is like
                return tx.insert(table, user("ro@x.io", "ReadOnly")).execute();
            })).isInstanceOfSatisfying(DatabaseReadOnlyException.class, e -> {
                assertThat(e.code()).isEqualTo("database_read_only");
                assertThat(e.httpStatus()).isEqualTo(503);
                assertThat(e.retryable()).isTrue();
            });
            // the read-only session's connection was discarded: the pool's next one writes
            single.insert(table, user("rw@x.io", "Writable")).execute();
            assertThat(db(target).query("SELECT email FROM " + table, Map.of(), String.class))
                    .containsExactly("rw@x.io");
        } finally {
            drop(target, table);
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabases.class)
    void aForeignKeyViolationIsA409(TestDatabases target) {
        String parent = usersTable(target);
        String child = TestDatabases.table("orders");
        try {
            db(target).execute("CREATE TABLE " + child + " (" + target.autoId() + ", user_id BIGINT NOT NULL REFERENCES "
                    + parent + "(id))" + target.tableOptions());

            assertThatThrownBy(() -> db(target).insert(child, Map.of("user_id", 999_999)).execute())
                    .isInstanceOfSatisfying(ConstraintViolationException.class, e -> assertThat(e.constraint())
                            .isEqualTo(ConstraintViolationException.Constraint.FOREIGN_KEY));
        } finally {
            drop(target, child);
            drop(target, parent);
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabases.class)
    void aTimeoutCancelsTheStatementWithA504(TestDatabases target) {
        long start = System.nanoTime();

        assertThatThrownBy(() -> db(target).statement(target.sleepQuery(20)).timeout(Duration.ofMillis(300))
                .list())
                .isInstanceOfSatisfying(QueryTimeoutException.class, e -> {
                    assertThat(e.httpStatus()).isEqualTo(504);
                    assertThat(e.code()).isEqualTo("query_timeout");
                });

        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
        assertThat(db(target).query("SELECT 1", Map.of(), Integer.class)).containsExactly(1);
    }

    @ParameterizedTest
    @EnumSource(TestDatabases.class)
    void aPerCallTimeoutLongerThanTheDefaultIsHonoured(TestDatabases target) {
        try (Database db = Database.create(target.config(builder -> builder.statementTimeout(Duration.ofMillis(500))))) {
            assertThatThrownBy(() -> db.statement(target.sleepQuery(2)).list())
                    .isInstanceOf(QueryTimeoutException.class);

            List<Map<String, Object>> slow = target == TestDatabases.SQLITE ? List.of()
                    : db.statement(target.sleepQuery(1)).timeout(Duration.ofSeconds(5)).list();

            assertThat(slow).hasSize(target == TestDatabases.SQLITE ? 0 : 1);
            if (target != TestDatabases.SQLITE) {
                try (Stream<Map<String, Object>> streamed = db.statement(target.sleepQuery(1))
                        .timeout(Duration.ofSeconds(5)).fetchSize(1).stream(RowMappers.maps())) {
                    assertThat(streamed.count()).isEqualTo(1);
                }
            }
            assertThatThrownBy(() -> db.statement(target.sleepQuery(2)).list())
                    .as("the default is back after the long call").isInstanceOf(QueryTimeoutException.class);
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabases.class)
    void writesWithoutWhereOrDataAreRefused(TestDatabases target) {
        String table = usersTable(target);
        try {
            assertThatThrownBy(() -> db(target).update(table, Map.of("credits", 1), Map.of()).execute())
                    .isInstanceOfSatisfying(InvalidInputException.class,
                            e -> assertThat(e.code()).isEqualTo("missing_where"));
            assertThatThrownBy(() -> db(target).delete(table, Map.of()).execute())
                    .isInstanceOf(InvalidInputException.class);
            assertThatThrownBy(() -> db(target).insert(table, Map.of()).execute())
                    .isInstanceOf(InvalidInputException.class);
        } finally {
            drop(target, table);
        }
    }

    // ---- batches and bulk inserts -------------------------------------------------------------------------

    /**
     * A batch answers counts, not rows, and RETURNING in one answered differently on each dialect: PostgreSQL wrote
     * the rows and counted 0, MariaDB's driver threw a bare ClassCastException (no WeftException) and SQLite failed
     * with sql_error. It is refused before anything is sent.
     */
    @ParameterizedTest
    @EnumSource(TestDatabases.class)
    void aBatchWithReturningIsRefusedBeforeAnythingIsWritten(TestDatabases target) {
        String table = usersTable(target);
        try {
            List<Map<String, Object>> rows = List.of(Map.of("email", "r1@x.io"), Map.of("email", "r2@x.io"));
            assertThatThrownBy(() -> db(target).batch("INSERT INTO " + table + " (email) VALUES (:email) RETURNING id",
                    rows).execute()).isInstanceOfSatisfying(InvalidInputException.class, e -> {
                        assertThat(e.code()).isEqualTo("invalid_sql");
                        assertThat(e.getMessage()).contains("RETURNING");
                    });
            assertThat(count(target, table)).isZero();
            // a column or a literal that only spells the word is no RETURNING clause
            assertThat(db(target).batch("INSERT INTO " + table + " (email, name) VALUES (:email, 'returning')",
                    rows).execute()).isEqualTo(2);
        } finally {
            drop(target, table);
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabases.class)
    void aBatchWritesEveryRowInChunks(TestDatabases target) {
        String table = usersTable(target);
        try {
            List<Map<String, Object>> rows = IntStream.range(0, 1234)
                    .mapToObj(i -> Map.<String, Object>of("email", "b" + i + "@x.io", "credits", i)).toList();

            long written = db(target).batch("INSERT INTO " + table + " (email, credits) VALUES (:email, :credits)", rows)
                    .chunkSize(100).execute();

            assertThat(written).isEqualTo(1234);
            assertThat(db(target).query("SELECT sum(credits) FROM " + table, Map.of(), Long.class))
                    .containsExactly(1233L * 1234 / 2);
        } finally {
            drop(target, table);
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabases.class)
    void aBatchWithOneFailingRowWritesNothing(TestDatabases target) {
        String table = usersTable(target);
        try {
            List<Map<String, Object>> rows = new ArrayList<>();
            for (int i = 0; i < 300; i++) {
                rows.add(Map.of("email", "b" + i + "@x.io"));
            }
            rows.add(Map.of("email", "b7@x.io"));
            String sql = "INSERT INTO " + table + " (email) VALUES (:email)";

            assertThatThrownBy(() -> db(target).batch(sql, rows).chunkSize(50).execute())
                    .isInstanceOf(ConstraintViolationException.class);
            assertThatThrownBy(() -> db(target).batch(sql, List.of(Map.of("email", "ok@x.io"), Map.of("mail", "x")))
                    .execute())
                    .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.field()).startsWith("rows[1]"));
            assertThat(count(target, table)).isZero();
        } finally {
            drop(target, table);
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabases.class)
    void aBulkInsertWritesAllRowsOrNone(TestDatabases target) {
        String table = usersTable(target);
        try {
            Iterable<List<?>> rows = rows(5000,
                    i -> List.of("bulk" + i + "@x.io", i % 2 == 0 ? "even, \"quoted\"" : "odd", i));
            List<List<?>> badWidth = List.of(List.of("a@x.io", "A", 1L), List.of("b@x.io", "B"));

            long inserted = db(target).bulkInsert(table, List.of("email", "name", "credits"), rows).execute();
            long viaBatch = db(target).bulkInsert(table, List.of("email", "name", "credits"),
                    List.of(List.of("batch@x.io", "B", 1L))).copy(false).execute();

            assertThat(inserted).isEqualTo(5000);
            assertThat(viaBatch).isEqualTo(1);
            assertThat(db(target).query("SELECT name FROM " + table + " WHERE email = :e", Map.of("e", "bulk0@x.io"),
                    String.class)).containsExactly("even, \"quoted\"");
            assertThatThrownBy(() -> db(target).bulkInsert(table, List.of("email", "name", "credits"), badWidth)
                    .execute()).isInstanceOfSatisfying(InvalidInputException.class,
                            e -> assertThat(e.code()).isEqualTo("invalid_row"));
            assertThat(count(target, table)).isEqualTo(5001);
        } finally {
            drop(target, table);
        }
    }

    // ---- transactions ---------------------------------------------------------------------------------------

    @ParameterizedTest
    @EnumSource(TestDatabases.class)
    void aTransactionCommitsAndPlainCallsInsideItJoinIt(TestDatabases target) {
        String table = usersTable(target);
        try {
            long seenInside = db(target).inTransaction(Isolation.READ_COMMITTED, tx -> {
                tx.insert(table, user("t1@x.io", "T")).execute();
                db(target).insert(table, user("t2@x.io", "T")).execute(); // joins the open transaction
                return db(target).query("SELECT count(*) FROM " + table, Map.of(), Long.class).getFirst();
            });

            assertThat(seenInside).isEqualTo(2);
            assertThat(count(target, table)).isEqualTo(2);
        } finally {
            drop(target, table);
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabases.class)
    void anExceptionRollsTheTransactionBack(TestDatabases target) {
        String table = usersTable(target);
        try {
            db(target).insert(table, Map.of("email", "keep@x.io", "credits", 100)).execute();

            assertThatThrownBy(() -> db(target).inTransaction(tx -> {
                tx.update(table, Map.of("credits", 0), Map.of("email", "keep@x.io")).execute();
                tx.insert(table, user("new@x.io", "N")).execute();
                throw new IllegalStateException("business rule failed");
            })).isInstanceOf(IllegalStateException.class).hasMessage("business rule failed");

            assertThat(db(target).query("SELECT email, credits FROM " + table, Map.of()).list())
                    .singleElement().satisfies(row -> assertThat(((Number) row.get("credits")).longValue())
                            .isEqualTo(100));
            assertThat(db(target).poolStatus().checkedOut()).isZero();
        } finally {
            drop(target, table);
        }
    }

    /**
     * A callback that catches a failed statement and returns: PostgreSQL has aborted the transaction and answers the
     * COMMIT with a ROLLBACK, which pgjdbc does not report, so inTransaction returned as if it had committed while
     * nothing was written. That is a failure now; MariaDB, MySQL and SQLite abort only the failed statement and
     * commit the rest, as their own transactions do.
     */
    @ParameterizedTest
    @EnumSource(TestDatabases.class)
    void aFailedStatementCaughtInsideATransactionNeverLooksCommittedWhenItWasNot(TestDatabases target) {
        String table = usersTable(target);
        try {
            TransactionCallback<String, RuntimeException> work = tx -> {
                tx.insert(table, user("first@x.io", "F")).execute();
                assertThatThrownBy(() -> tx.insert(table, user("first@x.io", "again")).execute())
                        .isInstanceOf(ConstraintViolationException.class);
                return "done";
            };
            if (target == TestDatabases.POSTGRESQL) {
                assertThatThrownBy(() -> db(target).inTransaction(work))
                        .isInstanceOfSatisfying(DatabaseException.class, e -> {
                            assertThat(e.code()).isEqualTo("transaction_aborted");
                            assertThat(e.getMessage()).contains("rolled back").contains("savepoint");
                        });
                assertThat(count(target, table)).isZero();
            } else {
                assertThat(db(target).inTransaction(work)).isEqualTo("done");
                assertThat(count(target, table)).isEqualTo(1);
            }
            // the way to go on after a failure on every dialect: the failing statement in a savepoint
            String recovered = db(target).inTransaction(tx -> {
                tx.insert(table, user("second@x.io", "S")).execute();
                assertThatThrownBy(() -> tx.inTransaction(inner -> inner.insert(table, user("second@x.io", "again"))
                        .execute())).isInstanceOf(ConstraintViolationException.class);
                return "done";
            });
            assertThat(recovered).isEqualTo("done");
            assertThat(db(target).query("SELECT count(*) FROM " + table + " WHERE email = :email",
                    Map.of("email", "second@x.io"), Long.class)).containsExactly(1L);
            assertThat(db(target).poolStatus().checkedOut()).isZero();
        } finally {
            drop(target, table);
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabases.class)
    void aNestedCallIsASavepointRolledBackAlone(TestDatabases target) {
        String table = usersTable(target);
        try {
            db(target).inTransaction(tx -> {
                tx.insert(table, user("outer@x.io", "O")).execute();
                try {
                    db(target).inTransaction(inner -> {
                        assertThat(inner.depth()).isEqualTo(1);
                        inner.insert(table, user("inner@x.io", "I")).execute();
                        throw new IllegalArgumentException("inner fails");
                    });
                } catch (IllegalArgumentException expected) {
                    // the savepoint is rolled back; the outer transaction goes on
                }
                tx.insert(table, user("after@x.io", "A")).execute();
                return null;
            });

            assertThat(db(target).query("SELECT email FROM " + table + " ORDER BY email", Map.of(), String.class))
                    .containsExactly("after@x.io", "outer@x.io");
        } finally {
            drop(target, table);
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabases.class)
    void aRollbackOnlyLevelRollsBackWithoutAnExceptionAndReturnsItsResult(TestDatabases target) {
        String table = usersTable(target);
        try {
            String result = db(target).inTransaction(tx -> {
                tx.insert(table, user("dry@x.io", "D")).execute();
                assertThat(tx.isRollbackOnly()).isFalse();
                tx.setRollbackOnly();
                assertThat(tx.isRollbackOnly()).isTrue();
                return "checked";
            });
            assertThat(result).isEqualTo("checked");
            assertThat(count(target, table)).isZero();

            db(target).inTransaction(tx -> {
                tx.insert(table, user("outer@x.io", "O")).execute();
                String inner = db(target).inTransaction(nested -> {
                    nested.insert(table, user("inner@x.io", "I")).execute();
                    nested.setRollbackOnly();
                    return "inner";
                });
                assertThat(inner).isEqualTo("inner");
                assertThat(tx.isRollbackOnly()).as("only the nested level").isFalse();
                tx.insert(table, user("after@x.io", "A")).execute();
                return null;
            });
            assertThat(db(target).query("SELECT email FROM " + table + " ORDER BY email", Map.of(), String.class))
                    .containsExactly("after@x.io", "outer@x.io");
        } finally {
            drop(target, table);
        }
    }

    @ParameterizedTest
    @EnumSource(value = TestDatabases.class, names = {"POSTGRESQL", "MARIADB", "MYSQL"})
    void aDeadlockedTransactionIsRetriedWhole(TestDatabases target) throws Exception {
        String table = usersTable(target);
        try {
            long a = newRow(target, table, "a@x.io");
            long b = newRow(target, table, "b@x.io");
            CountDownLatch bothLocked = new CountDownLatch(2);
            String bump = "UPDATE " + table + " SET credits = credits + 1 WHERE id = :id";

            CompletableFuture<Integer> first = onVirtualThread(() -> transfer(target, bump, a, b, bothLocked));
            CompletableFuture<Integer> second = onVirtualThread(() -> transfer(target, bump, b, a, bothLocked));

            assertThat(first.get(30, TimeUnit.SECONDS) + second.get(30, TimeUnit.SECONDS)).isGreaterThan(2);
            assertThat(db(target).query("SELECT sum(credits) FROM " + table, Map.of(), Long.class))
                    .containsExactly(4L);
        } finally {
            drop(target, table);
        }
    }

    /**
     * A deadlock the work catches and goes on from: InnoDB rolled back the whole transaction, so what the work does
     * after it would be committed alone; the commit is refused as a serialization failure and the whole work runs
     * again. (On PostgreSQL the caught deadlock leaves the transaction aborted: transaction_aborted, tested above.)
     */
    @ParameterizedTest
    @EnumSource(value = TestDatabases.class, names = {"MARIADB", "MYSQL"})
    void aDeadlockCaughtInsideTheWorkNeverCommitsHalfOfIt(TestDatabases target) throws Exception {
        String table = usersTable(target);
        try {
            long a = newRow(target, table, "a@x.io");
            long b = newRow(target, table, "b@x.io");
            CountDownLatch bothLocked = new CountDownLatch(2);
            String bump = "UPDATE " + table + " SET credits = credits + 1 WHERE id = :id";
            java.util.concurrent.atomic.AtomicInteger caught = new java.util.concurrent.atomic.AtomicInteger();

            java.util.function.BiFunction<Long, Long, Integer> catching = (one, other) -> {
                int[] attempts = {0};
                db(target).inTransaction(tx -> {
                    attempts[0]++;
                    tx.insert(table, Map.of("email", "before-" + one + "-" + attempts[0] + "@x.io")).execute();
                    tx.execute(bump, Map.of("id", one));
                    if (attempts[0] == 1) {
                        bothLocked.countDown();
                        try {
                            bothLocked.await(10, TimeUnit.SECONDS);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }
                    try {
                        tx.execute(bump, Map.of("id", other));
                    } catch (DatabaseException deadlock) {
                        caught.incrementAndGet(); // the work goes on, as if the failure were the statement's alone
                    }
                    tx.insert(table, Map.of("email", "after-" + one + "-" + attempts[0] + "@x.io")).execute();
                    return null;
                });
                return attempts[0];
            };
            CompletableFuture<Integer> first = onVirtualThread(() -> catching.apply(a, b));
            CompletableFuture<Integer> second = onVirtualThread(() -> catching.apply(b, a));
            int attempts = first.get(30, TimeUnit.SECONDS) + second.get(30, TimeUnit.SECONDS);

            assertThat(caught.get()).as("the deadlock reached the work").isPositive();
            assertThat(attempts).as("the loser ran again whole").isGreaterThan(2);
            // every committed run of the work committed both of its inserts and both bumps, and no other
            List<String> emails = db(target).query("SELECT email FROM " + table + " WHERE email LIKE 'before-%'"
                    + " OR email LIKE 'after-%' ORDER BY email", Map.of(), String.class);
            assertThat(emails).hasSize(4);
            for (String email : emails) {
                assertThat(emails).contains(email.startsWith("before-") ? email.replace("before-", "after-")
                        : email.replace("after-", "before-"));
            }
            assertThat(db(target).query("SELECT sum(credits) FROM " + table, Map.of(), Long.class))
                    .containsExactly(4L);
        } finally {
            drop(target, table);
        }
    }

    @ParameterizedTest
    @EnumSource(value = TestDatabases.class, names = "POSTGRESQL")
    void aFailureCaughtInsideANestedLevelFailsThatLevelAndTheEnclosingOneGoesOn(TestDatabases target) {
        String table = usersTable(target);
        try {
            String result = db(target).inTransaction(tx -> {
                tx.insert(table, user("outer@x.io", "O")).execute();
                assertThatThrownBy(() -> tx.inTransaction(inner -> {
                    inner.insert(table, user("inner@x.io", "I")).execute();
                    try {
                        inner.insert(table, user("outer@x.io", "again")).execute();
                    } catch (ConstraintViolationException swallowed) {
                        // caught inside the level: PostgreSQL has aborted the transaction all the same
                    }
                    return null;
                })).isInstanceOfSatisfying(DatabaseException.class,
                        e -> assertThat(e.code()).isEqualTo("transaction_aborted"));
                tx.insert(table, user("after@x.io", "A")).execute();
                return "done";
            });

            assertThat(result).isEqualTo("done");
            assertThat(db(target).query("SELECT email FROM " + table + " ORDER BY email", Map.of(), String.class))
                    .containsExactly("after@x.io", "outer@x.io");
        } finally {
            drop(target, table);
        }
    }

    private static long newRow(TestDatabases target, String table, String email) {
        return db(target).insert(table, Map.of("email", email, "credits", 0)).returning("id").execute(Long.class)
                .first().orElseThrow();
    }

    private static <T> CompletableFuture<T> onVirtualThread(java.util.function.Supplier<T> work) {
        return CompletableFuture.supplyAsync(work, runnable -> Thread.ofVirtual().start(runnable));
    }

    /** Locks one row, waits until the other transaction holds the other, then locks it: a deadlock. */
    private static int transfer(TestDatabases target, String bump, long first, long second, CountDownLatch bothLocked) {
        int[] attempts = {0};
        try {
            db(target).inTransaction(tx -> {
            attempts[0]++;
            tx.execute(bump, Map.of("id", first));
            if (attempts[0] == 1) {
                bothLocked.countDown();
                bothLocked.await(10, TimeUnit.SECONDS);
            }
            tx.execute(bump, Map.of("id", second));
            return null;
            });
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        return attempts[0];
    }

    // ---- streams and the pool -------------------------------------------------------------------------------

    @ParameterizedTest
    @EnumSource(TestDatabases.class)
    void aStreamReadsEveryRowAndGivesItsConnectionBack(TestDatabases target) {
        String table = usersTable(target);
        try {
            db(target).bulkInsert(table, List.of("email", "credits"),
                    rows(20_000, i -> List.of("s" + i + "@x.io", 1L)))
                    .execute();

            long sum;
            try (Stream<Long> credits = db(target).stream("SELECT credits FROM " + table, Map.of(), 500, Long.class)) {
                sum = credits.mapToLong(Long::longValue).sum();
            }

            assertThat(sum).isEqualTo(20_000);
            assertThat(db(target).poolStatus().checkedOut()).isZero();
        } finally {
            drop(target, table);
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabases.class)
    void aStreamClosedEarlyGivesItsConnectionBack(TestDatabases target) {
        String table = usersTable(target);
        try {
            db(target).bulkInsert(table, List.of("email"),
                    rows(5000, i -> List.of("e" + i + "@x.io")))
                    .execute();

            try (Stream<String> emails = db(target).stream("SELECT email FROM " + table + " ORDER BY id", Map.of(),
                    100, String.class)) {
                assertThat(emails.limit(3).toList()).hasSize(3);
                assertThat(db(target).poolStatus().checkedOut()).isEqualTo(1);
            }

            assertThat(db(target).poolStatus().checkedOut()).isZero();
            assertThat(count(target, table)).isEqualTo(5000);
        } finally {
            drop(target, table);
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabases.class)
    void anExhaustedPoolFailsWithA503NamingItsState(TestDatabases target) {
        try (Database small = Database.create(target.config(builder -> builder.poolSize(2)
                .acquireTimeout(Duration.ofMillis(300))))) {
            String sql = switch (target) {
                case SQLITE -> "WITH RECURSIVE seq(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM seq LIMIT 100000) "
                        + "SELECT x FROM seq";
                default -> "SELECT 1 AS x UNION ALL SELECT 2";
            };
            try (Stream<Long> first = small.stream(sql, Map.of(), 1, Long.class);
                    Stream<Long> second = small.stream(sql, Map.of(), 1, Long.class)) {
                first.iterator().next();
                second.iterator().next();

                assertThatThrownBy(() -> small.query("SELECT 1", Map.of(), Integer.class))
                        .isInstanceOfSatisfying(PoolExhaustedException.class, e -> {
                            assertThat(e.httpStatus()).isEqualTo(503);
                            assertThat(e.code()).isEqualTo("pool_exhausted");
                            assertThat(e.getMessage()).contains("no connection in 300 ms").contains("active=2");
                        });
                assertThat(small.poolStatus().timeouts()).isEqualTo(1);
            }
            assertThat(small.query("SELECT 1", Map.of(), Integer.class)).containsExactly(1);
        }
    }

    @ParameterizedTest
    @EnumSource(value = TestDatabases.class, names = {"POSTGRESQL", "MARIADB"})
    void aReadWhoseConnectionIsKilledIsRetriedOnAFreshOne(TestDatabases target) throws Exception {
        try (Database db = Database.create(target.config(builder -> builder.poolSize(2)))) {
            String whoAmI = target == TestDatabases.POSTGRESQL ? "SELECT pg_backend_pid()" : "SELECT CONNECTION_ID()";
            String kill = target == TestDatabases.POSTGRESQL ? "SELECT pg_terminate_backend(CAST(:pid AS integer))" : "KILL CONNECTION :pid";
            String slow = target == TestDatabases.POSTGRESQL ? "SELECT pg_backend_pid() FROM pg_sleep(1)"
                    : "SELECT CONNECTION_ID() FROM (SELECT SLEEP(1)) s";
            CompletableFuture<Long> read = CompletableFuture.supplyAsync(() -> db.query(slow, Map.of(), Long.class)
                    .getFirst(), runnable -> Thread.ofVirtual().start(runnable));
            Thread.sleep(300); // let the read start on its connection
            long victim;
            try (Database killer = target.open()) {
                List<Long> candidates = db.poolStatus().checkedOut() > 0
                        ? killer.query(target == TestDatabases.POSTGRESQL
                                ? "SELECT pid FROM pg_stat_activity WHERE application_name = 'weft-" + db.name()
                                        + "' AND state = 'active' AND query LIKE '%pg_sleep%' AND pid <> pg_backend_pid()"
                                : "SELECT id FROM information_schema.processlist WHERE info LIKE '%SLEEP(1)%' "
                                        + "AND info NOT LIKE '%processlist%'", Map.of(), Long.class)
                        : List.of();
                assertThat(candidates).hasSize(1);
                victim = candidates.getFirst();
                killer.query(kill, Map.of("pid", victim)).retry(false).list();
            }

            long servedBy = read.get(20, TimeUnit.SECONDS);

            assertThat(servedBy).isNotEqualTo(victim);
            assertThat(db.poolStatus().invalid()).isGreaterThanOrEqualTo(1);
            assertThat(db.query(whoAmI, Map.of(), Long.class)).hasSize(1);
        }
    }

    // ---- async, metrics, status -----------------------------------------------------------------------------

    @ParameterizedTest
    @EnumSource(TestDatabases.class)
    void theAsyncViewRunsTheSameOperations(TestDatabases target) throws Exception {
        String table = usersTable(target);
        try {
            AsyncDatabase async = db(target).async();

            async.insert(table, user("async@x.io", "A"), "id").get(10, TimeUnit.SECONDS);
            List<User> users = async.query("SELECT id, email, name, credits FROM " + table, Map.of(), User.class)
                    .get(10, TimeUnit.SECONDS);
            CompletableFuture<List<User>> failing = async.query("SELECT :x", Map.of(), User.class);

            assertThat(users).extracting(User::email).containsExactly("async@x.io");
            assertThatThrownBy(() -> failing.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(InvalidInputException.class);
        } finally {
            drop(target, table);
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabases.class)
    void metricsCountOperationsAndKeepRecentAndSlowOnesWithoutValues(TestDatabases target) {
        try (Database db = Database.create(target.config(builder -> builder.slowQueryThreshold(Duration.ofSeconds(1))))) {
            db.query("SELECT :secret AS s", Map.of("secret", "hunter2"), String.class);
            assertThatThrownBy(() -> db.statement("SELECT * FROM no_such_table_x").list())
                    .isInstanceOfSatisfying(WeftException.class, e -> assertThat(e.code()).isEqualTo("sql_error"));
            assertThatThrownBy(() -> db.statement(target.sleepQuery(5)).timeout(Duration.ofMillis(1500)).list())
                    .isInstanceOf(QueryTimeoutException.class);

            QueryMetrics metrics = db.queryMetrics();

            assertThat(metrics.total()).isEqualTo(3);
            assertThat(metrics.succeeded()).isEqualTo(1);
            assertThat(metrics.successRate()).isCloseTo(1.0 / 3, org.assertj.core.data.Offset.offset(0.001));
            assertThat(metrics.p99()).isGreaterThanOrEqualTo(metrics.p50());
            assertThat(metrics.recent()).hasSize(3);
            assertThat(metrics.recent().getFirst().sql()).isEqualTo("SELECT :secret AS s").doesNotContain("hunter2");
            assertThat(metrics.recent().get(1).errorCode()).contains("sql_error");
            assertThat(metrics.slowQueries()).singleElement()
                    .satisfies(slow -> assertThat(slow.errorCode()).contains("query_timeout"));
            PoolStatus pool = db.poolStatus();
            assertThat(pool.size()).isEqualTo(4);
            assertThat(pool.checkedOut()).isZero();
            assertThat(pool.name()).isEqualTo(db.name());
        }
    }
}
