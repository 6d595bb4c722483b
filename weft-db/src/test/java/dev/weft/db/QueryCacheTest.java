package dev.weft.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.cache.redis.RedisCaches;
import dev.weft.cache.redis.RedisConfig;
import dev.weft.core.InvalidInputException;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The query cache on every dialect: a write through weft followed by a read never returns stale data, in one
 * Database and across two sharing one Redis.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class QueryCacheTest {
    private static final Duration TTL = Duration.ofMinutes(5);
    private static final Map<TestDatabases, Database> OPEN = new EnumMap<>(TestDatabases.class);

    record Account(long id, String email, long credits) {
    }

    private static synchronized Database db(TestDatabases target) {
        return OPEN.computeIfAbsent(target, TestDatabases::open);
    }

    @AfterAll
    static synchronized void closeAll() {
        OPEN.values().forEach(Database::close);
        OPEN.clear();
    }

    private static String accounts(Database db, TestDatabases target) {
        String table = TestDatabases.table("acct");
        db.execute("CREATE TABLE " + table + " (" + target.autoId() + ", email VARCHAR(100) NOT NULL, credits BIGINT "
                + "NOT NULL DEFAULT 0)" + target.tableOptions());
        return table;
    }

    private static List<Account> cachedRead(Database db, String table) {
        return db.query("SELECT id, email, credits FROM " + table + " WHERE credits >= :min ORDER BY id",
                Map.of("min", 0)).cached(TTL).list(Account.class);
    }

    @ParameterizedTest
    @EnumSource(TestDatabases.class)
    void aRepeatedReadIsServedFromTheCache(TestDatabases target) {
        Database db = db(target);
        String table = accounts(db, target);
        try {
            db.insert(table, Map.of("email", "a@x.io", "credits", 1)).execute();

            List<Account> first = cachedRead(db, table);
            long queriesAfterFirst = db.queryMetrics().total();
            List<Account> second = cachedRead(db, table);

            assertThat(second).isEqualTo(first).hasSize(1);
            assertThat(db.queryMetrics().total()).isEqualTo(queriesAfterFirst);
            assertThatThrownBy(() -> second.add(new Account(9, "x", 0)))
                    .as("a cached result is shared, so nobody may change it")
                    .isInstanceOf(UnsupportedOperationException.class);
        } finally {
            db.execute("DROP TABLE " + table);
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabases.class)
    void everyKindOfWriteThroughWeftInvalidatesTheTable(TestDatabases target) {
        Database db = db(target);
        String table = accounts(db, target);
        try {
            cachedRead(db, table);
            db.insert(table, Map.of("email", "i@x.io", "credits", 1)).execute();
            assertThat(cachedRead(db, table)).extracting(Account::email).containsExactly("i@x.io");

            db.update(table, Map.of("credits", 5), Map.of("email", "i@x.io")).execute();
            assertThat(cachedRead(db, table)).extracting(Account::credits).containsExactly(5L);

            db.batch("INSERT INTO " + table + " (email, credits) VALUES (:e, :c)", List.of(Map.of("e", "b@x.io", "c", 2)))
                    .execute();
            assertThat(cachedRead(db, table)).hasSize(2);

            db.bulkInsert(table, List.of("email", "credits"), List.of(List.of("bulk@x.io", 3L))).execute();
            assertThat(cachedRead(db, table)).hasSize(3);

            db.execute("UPDATE " + table + " SET credits = credits + 10", Map.of());
            assertThat(cachedRead(db, table)).extracting(Account::credits).containsExactly(15L, 12L, 13L);

            db.delete(table, Map.of("email", "b@x.io")).execute();
            assertThat(cachedRead(db, table)).hasSize(2);
        } finally {
            db.execute("DROP TABLE " + table);
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabases.class)
    void aTransactionInvalidatesAtCommitAndARollbackInvalidatesNothing(TestDatabases target) {
        Database db = db(target);
        String table = accounts(db, target);
        try {
            db.insert(table, Map.of("email", "t@x.io", "credits", 1)).execute();
            cachedRead(db, table);

            assertThatThrownBy(() -> db.inTransaction(tx -> {
                tx.update(table, Map.of("credits", 99), Map.of("email", "t@x.io")).execute();
                assertThat(cachedRead(db, table)).extracting(Account::credits).containsExactly(99L);
                throw new IllegalStateException("roll back");
            })).isInstanceOf(IllegalStateException.class);
            long queries = db.queryMetrics().total();
            assertThat(cachedRead(db, table)).extracting(Account::credits).containsExactly(1L);
            assertThat(db.queryMetrics().total()).isEqualTo(queries); // still served from the cache

            db.inTransaction(tx -> tx.update(table, Map.of("credits", 42), Map.of("email", "t@x.io")).execute());

            assertThat(cachedRead(db, table)).extracting(Account::credits).containsExactly(42L);
        } finally {
            db.execute("DROP TABLE " + table);
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabases.class)
    void twoDatabasesSharingRedisNeverReadStaleAfterAWrite(TestDatabases target) {
        RedisConfig redis = RedisConfig.of("redis://127.0.0.1:6379/0").withNamespace("qc" + UUID.randomUUID()
                .toString().substring(0, 8));
        DatabaseConfig config = target.config();
        try (RedisCaches first = RedisCaches.connect(redis);
                RedisCaches second = RedisCaches.connect(redis);
                Database a = Database.builder(config).queryCache(first.cache("queries")).build();
                Database b = Database.builder(config.withName("test-b")).queryCache(second.cache("queries")).build()) {
            String table = accounts(a, target);
            try {
                for (int round = 0; round < 20; round++) {
                    a.insert(table, Map.of("email", round + "@x.io", "credits", round)).execute();
                    assertThat(cachedRead(b, table)).hasSize(round + 1);
                    b.update(table, Map.of("credits", 1000 + round), Map.of("email", round + "@x.io")).execute();
                    assertThat(cachedRead(a, table)).last().extracting(Account::credits).isEqualTo(1000L + round);
                }
            } finally {
                a.execute("DROP TABLE " + table);
                a.queryCache().clear();
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = TestDatabases.class, names = {"POSTGRESQL", "SQLITE"})
    void invalidateByPatternWorksOnTableTags(TestDatabases target) {
        Database db = db(target);
        String table = accounts(db, target);
        try {
            db.insert(table, Map.of("email", "p@x.io", "credits", 1)).execute();
            cachedRead(db, table);
            db.statement("UPDATE " + table + " SET credits = 7").execute(); // a raw write also invalidates

            long matched = db.invalidateQueryCache("acct_*");

            assertThat(matched).isGreaterThanOrEqualTo(1);
            assertThat(cachedRead(db, table)).extracting(Account::credits).containsExactly(7L);
        } finally {
            db.execute("DROP TABLE " + table);
        }
    }

    @ParameterizedTest
    @EnumSource(value = TestDatabases.class, names = {"POSTGRESQL", "SQLITE"})
    void aQueryWhoseTablesCannotBeReadSurelyMustDeclareThem(TestDatabases target) {
        Database db = db(target);
        String sql = target == TestDatabases.POSTGRESQL ? "SELECT x FROM generate_series(1, 3) AS g(x)"
                : "WITH RECURSIVE g(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM g LIMIT 3) SELECT x FROM g";

        if (target == TestDatabases.POSTGRESQL) {
            assertThatThrownBy(() -> db.statement(sql).cached(TTL).list(Long.class))
                    .isInstanceOfSatisfying(InvalidInputException.class,
                            e -> assertThat(e.code()).isEqualTo("cache_tables_unknown"));
        }
        assertThat(db.statement(sql).cached(TTL).tables("numbers").list(Long.class)).containsExactly(1L, 2L, 3L);
        assertThatThrownBy(() -> db.statement("DELETE FROM nowhere_x").cached(TTL).list())
                .isInstanceOf(InvalidInputException.class);
    }
}
