package dev.weft.db.repository;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.core.InvalidInputException;
import dev.weft.db.ConstraintViolationException;
import dev.weft.db.Database;
import dev.weft.db.TestDatabases;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The repository on every dialect: real PostgreSQL, MariaDB, MySQL Connector/J on MariaDB (emulated RETURNING)
 * and SQLite. Each test creates and drops its own table.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RepositoryTest {
    private static final Map<TestDatabases, Database> OPEN = new EnumMap<>(TestDatabases.class);
    private static final Instant T0 = Instant.parse("2024-05-01T10:00:00Z");

    record Account(Long id, String email, String name, Boolean active, Long credits, Instant createdAt) {
        static Account of(String email, String name, Instant createdAt) {
            return new Account(null, email, name, null, null, createdAt);
        }
    }

    record PrimitiveAccount(long id, String email, String name, boolean active, long credits, Instant createdAt) {
    }

    record Tag(String code, String label) {
    }

    private static synchronized Database db(TestDatabases target) {
        return OPEN.computeIfAbsent(target, TestDatabases::open);
    }

    @AfterAll
    static synchronized void closeAll() {
        OPEN.values().forEach(Database::close);
        OPEN.clear();
    }

    /** A table for one test, and its repository; closing drops the table. */
    private record Fixture(Database db, String table, Repository<Account, Long> accounts) implements AutoCloseable {
        @Override
        public void close() {
            db.execute("DROP TABLE IF EXISTS " + table);
        }
    }

    private static Fixture accounts(TestDatabases target) {
        String table = TestDatabases.table("accounts");
        db(target).execute("CREATE TABLE " + table + " (" + target.autoId() + ", email VARCHAR(255) NOT NULL UNIQUE,"
                + " name VARCHAR(100), active BOOLEAN NOT NULL DEFAULT TRUE, credits BIGINT NOT NULL DEFAULT 0,"
                + " created_at " + target.timestampType() + ")" + target.tableOptions());
        return new Fixture(db(target), table, Repository.create(db(target), table, Account.class, Long.class));
    }

    private static List<Account> seed(Fixture fixture, int rows) {
        List<Account> created = new java.util.ArrayList<>();
        for (int i = 0; i < rows; i++) {
            created.add(fixture.accounts().create(Account.of("user" + i + "@example.com", "user " + i,
                    T0.plus(i, ChronoUnit.MINUTES))));
        }
        return created;
    }

    @ParameterizedTest
    @EnumSource(TestDatabases.class)
    void createReturnsTheStoredRowWithGeneratedIdAndDefaults(TestDatabases target) {
        try (Fixture fixture = accounts(target)) {

            Account created = fixture.accounts().create(Account.of("ada@example.com", "Ada", T0));

            assertThat(created.id()).isNotNull().isPositive();
            assertThat(created).isEqualTo(new Account(created.id(), "ada@example.com", "Ada", true, 0L, T0));
            assertThat(fixture.accounts().getById(created.id())).contains(created);
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabases.class)
    void createTreatsAZeroPrimitiveIdAsGenerated(TestDatabases target) {
        try (Fixture fixture = accounts(target)) {
            Repository<PrimitiveAccount, Long> accounts =
                    Repository.create(fixture.db(), fixture.table(), PrimitiveAccount.class, Long.class);

            PrimitiveAccount first = accounts.create(new PrimitiveAccount(0, "a@example.com", "A", false, 5, T0));
            PrimitiveAccount second = accounts.create(new PrimitiveAccount(0, "b@example.com", "B", true, 7, T0));

            assertThat(first.id()).isPositive();
            assertThat(second.id()).isGreaterThan(first.id());
            assertThat(first).isEqualTo(new PrimitiveAccount(first.id(), "a@example.com", "A", false, 5, T0));
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabases.class)
    void createKeepsAnExplicitIdInAConfiguredIdField(TestDatabases target) {
        String table = TestDatabases.table("tags");
        db(target).execute("CREATE TABLE " + table + " (code VARCHAR(40) PRIMARY KEY, label VARCHAR(100))"
                + target.tableOptions());
        try {
            Repository<Tag, String> tags = Repository.create(db(target),
                    RepositoryConfig.of(table, Tag.class, String.class).withIdField("code"));

            Tag created = tags.create(new Tag("java", "Java"));
            Tag updated = tags.update("java", Map.of("label", "Java 25")).orElseThrow();

            assertThat(created).isEqualTo(new Tag("java", "Java"));
            assertThat(updated).isEqualTo(new Tag("java", "Java 25"));
            assertThat(tags.getById("java")).contains(updated);
            assertThat(tags.getAll(10, 0)).containsExactly(updated);
            assertThat(tags.delete("java")).isTrue();
        } finally {
            db(target).execute("DROP TABLE IF EXISTS " + table);
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabases.class)
    void getByIdIsEmptyForAnUnknownId(TestDatabases target) {
        try (Fixture fixture = accounts(target)) {
            seed(fixture, 1);

            assertThat(fixture.accounts().getById(Long.MAX_VALUE)).isEmpty();
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabases.class)
    void getByFieldReturnsTheMatchWithTheSmallestId(TestDatabases target) {
        try (Fixture fixture = accounts(target)) {
            List<Account> seeded = seed(fixture, 3);
            fixture.accounts().update(seeded.get(2).id(), Map.of("name", "twin"));
            fixture.accounts().update(seeded.get(1).id(), Map.of("name", "twin"));

            assertThat(fixture.accounts().getByField("name", "twin")).map(Account::id).contains(seeded.get(1).id());
            assertThat(fixture.accounts().getByField("email", "user0@example.com")).contains(seeded.get(0));
            assertThat(fixture.accounts().getByField("createdAt", T0.plus(2, ChronoUnit.MINUTES)))
                    .map(Account::id).contains(seeded.get(2).id());
            assertThat(fixture.accounts().getByField("email", "nobody@example.com")).isEmpty();
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabases.class)
    void getByFieldWithNullMatchesIsNull(TestDatabases target) {
        try (Fixture fixture = accounts(target)) {
            seed(fixture, 2);
            Account anonymous = fixture.accounts().create(new Account(null, "anon@example.com", null, null, null, null));

            assertThat(fixture.accounts().getByField("name", null)).contains(anonymous);
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabases.class)
    void getAllOrdersAscendingAndDescending(TestDatabases target) {
        try (Fixture fixture = accounts(target)) {
            // created_at runs opposite to id, so the order must come from the column asked for
            Account late = fixture.accounts().create(Account.of("late@example.com", "b", T0.plusSeconds(120)));
            Account middle = fixture.accounts().create(Account.of("middle@example.com", "c", T0.plusSeconds(60)));
            Account early = fixture.accounts().create(Account.of("early@example.com", "a", T0));

            assertThat(fixture.accounts().getAll(10, 0, "created_at")).containsExactly(early, middle, late);
            assertThat(fixture.accounts().getAll(10, 0, "-created_at")).containsExactly(late, middle, early);
            assertThat(fixture.accounts().getAll(10, 0, "-createdAt")).containsExactly(late, middle, early);
            assertThat(fixture.accounts().getAll(10, 0, OrderBy.asc("name"))).containsExactly(early, late, middle);
            assertThat(fixture.accounts().getAll(10, 0)).containsExactly(late, middle, early);
            assertThat(fixture.accounts().getAll(10, 0, "-id")).containsExactly(early, middle, late);
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabases.class)
    void getAllPagesWithoutOverlapEvenOnTies(TestDatabases target) {
        try (Fixture fixture = accounts(target)) {
            List<Account> seeded = seed(fixture, 7);
            // every row has the same name, so only the id tie-break makes the pages stable
            seeded.forEach(account -> fixture.accounts().update(account.id(), Map.of("name", "same")));
            List<Long> ids = seeded.stream().map(Account::id).toList();

            List<Long> pages = new java.util.ArrayList<>();
            for (int offset = 0; offset < 9; offset += 3) {
                fixture.accounts().getAll(3, offset, "name").forEach(account -> pages.add(account.id()));
            }

            assertThat(pages).containsExactlyElementsOf(ids);
            assertThat(fixture.accounts().getAll(3, 6, "-name")).extracting(Account::id)
                    .containsExactly(ids.get(0));
            assertThat(fixture.accounts().getAll(5, 100, "name")).isEmpty();
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabases.class)
    void updateChangesColumnsAndReturnsTheStoredRow(TestDatabases target) {
        try (Fixture fixture = accounts(target)) {
            List<Account> seeded = seed(fixture, 2);
            Account account = seeded.get(1);
            Map<String, Object> changes = new HashMap<>();
            changes.put("name", null);
            changes.put("credits", 42L);
            changes.put("active", false);

            Account updated = fixture.accounts().update(account.id(), changes).orElseThrow();

            assertThat(updated).isEqualTo(new Account(account.id(), account.email(), null, false, 42L,
                    account.createdAt()));
            assertThat(fixture.accounts().getById(account.id())).contains(updated);
            assertThat(fixture.accounts().getById(seeded.get(0).id())).map(Account::credits).contains(0L);
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabases.class)
    void updateThatChangesNothingStillReturnsTheRow(TestDatabases target) {
        try (Fixture fixture = accounts(target)) {
            Account account = seed(fixture, 1).getFirst();

            assertThat(fixture.accounts().update(account.id(), Map.of("name", account.name()))).contains(account);
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabases.class)
    void updateOfAnUnknownIdIsEmpty(TestDatabases target) {
        try (Fixture fixture = accounts(target)) {
            seed(fixture, 1);

            assertThat(fixture.accounts().update(Long.MAX_VALUE, Map.of("name", "x"))).isEmpty();
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabases.class)
    void deleteReportsWhetherARowWasDeleted(TestDatabases target) {
        try (Fixture fixture = accounts(target)) {
            List<Account> seeded = seed(fixture, 2);

            assertThat(fixture.accounts().delete(seeded.getFirst().id())).isTrue();
            assertThat(fixture.accounts().delete(seeded.getFirst().id())).isFalse();
            assertThat(fixture.accounts().getById(seeded.getFirst().id())).isEmpty();
            assertThat(fixture.accounts().count(Map.of())).isEqualTo(1);
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabases.class)
    void bulkCreateStoresEveryRowAndReturnsThemWithIdsInOrder(TestDatabases target) {
        try (Fixture fixture = accounts(target)) {
            List<Account> input = List.of(Account.of("a@example.com", "a", T0), Account.of("b@example.com", "b", T0),
                    Account.of("c@example.com", "c", T0));

            List<Account> stored = fixture.accounts().bulkCreate(input);

            assertThat(stored).extracting(Account::email)
                    .containsExactly("a@example.com", "b@example.com", "c@example.com");
            assertThat(stored).extracting(Account::id).doesNotContainNull().isSorted().doesNotHaveDuplicates();
            assertThat(fixture.accounts().getAll(10, 0)).containsExactlyElementsOf(stored);
            assertThat(fixture.accounts().bulkCreate(List.of())).isEmpty();
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabases.class)
    void bulkCreateStoresNothingWhenOneRowIsADuplicate(TestDatabases target) {
        try (Fixture fixture = accounts(target)) {
            List<Account> input = List.of(Account.of("a@example.com", "a", T0), Account.of("b@example.com", "b", T0),
                    Account.of("a@example.com", "again", T0));

            assertThatThrownBy(() -> fixture.accounts().bulkCreate(input))
                    .isInstanceOf(ConstraintViolationException.class);

            assertThat(fixture.accounts().count(Map.of())).isZero();
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabases.class)
    void writesJoinTheTransactionOpenOnTheThread(TestDatabases target) {
        try (Fixture fixture = accounts(target)) {

            assertThatThrownBy(() -> fixture.db().inTransaction(transaction -> {
                fixture.accounts().create(Account.of("a@example.com", "a", T0));
                fixture.accounts().bulkCreate(List.of(Account.of("b@example.com", "b", T0)));
                throw new IllegalStateException("roll back");
            })).isInstanceOf(IllegalStateException.class);

            assertThat(fixture.accounts().exists(Map.of())).isFalse();
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabases.class)
    void writesInAnExplicitTransactionAreRolledBackWithIt(TestDatabases target) {
        try (Fixture fixture = accounts(target)) {
            Account kept = fixture.accounts().create(Account.of("kept@example.com", "kept", T0));

            assertThatThrownBy(() -> fixture.db().inTransaction(transaction -> {
                Repository<Account, Long> accounts = fixture.accounts().in(transaction);
                accounts.create(Account.of("a@example.com", "a", T0));
                accounts.update(kept.id(), Map.of("name", "changed"));
                accounts.bulkCreate(List.of(Account.of("b@example.com", "b", T0)));
                assertThat(accounts.count(Map.of())).isEqualTo(3);
                assertThat(accounts.getById(kept.id()).orElseThrow().name()).isEqualTo("changed");
                throw new IllegalStateException("roll back");
            })).isInstanceOf(IllegalStateException.class);

            assertThat(fixture.accounts().getAll(10, 0)).containsExactly(kept);
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabases.class)
    void writesInAnExplicitTransactionAreVisibleAfterItsCommit(TestDatabases target) {
        try (Fixture fixture = accounts(target)) {
            Account kept = fixture.accounts().create(Account.of("kept@example.com", "kept", T0));

            Account created = fixture.db().inTransaction(transaction -> {
                Repository<Account, Long> accounts = fixture.accounts().in(transaction);
                accounts.update(kept.id(), Map.of("name", "changed"));
                assertThat(accounts.delete(Long.MAX_VALUE)).isFalse();
                return accounts.create(Account.of("a@example.com", "a", T0));
            });

            assertThat(fixture.accounts().getById(created.id())).contains(created);
            assertThat(fixture.accounts().getByField("email", "kept@example.com").orElseThrow().name())
                    .isEqualTo("changed");
            assertThat(fixture.accounts().in(fixture.db()).count(Map.of())).isEqualTo(2);
        }
    }

    @ParameterizedTest
    @EnumSource(value = TestDatabases.class, names = {"POSTGRESQL", "SQLITE"})
    void anExplicitSavepointRollsBackAloneInsideTheTransaction(TestDatabases target) {
        try (Fixture fixture = accounts(target)) {

            fixture.db().inTransaction(transaction -> {
                Repository<Account, Long> accounts = fixture.accounts().in(transaction);
                accounts.create(Account.of("a@example.com", "a", T0));
                assertThatThrownBy(() -> accounts.bulkCreate(List.of(Account.of("b@example.com", "b", T0),
                        Account.of("a@example.com", "duplicate", T0))))
                        .isInstanceOf(ConstraintViolationException.class);
                return null;
            });

            assertThat(fixture.accounts().getAll(10, 0)).extracting(Account::email).containsExactly("a@example.com");
        }
    }

    @org.junit.jupiter.api.Test
    void refusesToRunOnADatabaseOfAnotherDialect() {
        Repository<Account, Long> accounts =
                Repository.create(db(TestDatabases.SQLITE), "accounts", Account.class, Long.class);

        assertThatThrownBy(() -> accounts.in(db(TestDatabases.POSTGRESQL)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @ParameterizedTest
    @EnumSource(TestDatabases.class)
    void countAndExistsFilterByEqualityAndNull(TestDatabases target) {
        try (Fixture fixture = accounts(target)) {
            List<Account> seeded = seed(fixture, 4);
            fixture.accounts().update(seeded.get(0).id(), Map.of("active", false));
            Map<String, Object> noName = new HashMap<>();
            noName.put("name", null);
            fixture.accounts().update(seeded.get(1).id(), noName);
            Map<String, Object> activeWithoutName = new HashMap<>(noName);
            activeWithoutName.put("active", true);

            assertThat(fixture.accounts().count(Map.of())).isEqualTo(4);
            assertThat(fixture.accounts().count(Map.of("active", true))).isEqualTo(3);
            assertThat(fixture.accounts().count(Map.of("active", false, "email", "user0@example.com"))).isEqualTo(1);
            assertThat(fixture.accounts().count(noName)).isEqualTo(1);
            assertThat(fixture.accounts().count(activeWithoutName)).isEqualTo(1);
            assertThat(fixture.accounts().exists(Map.of("email", "user3@example.com"))).isTrue();
            assertThat(fixture.accounts().exists(Map.of("email", "user3@example.com", "active", false))).isFalse();
            assertThat(fixture.accounts().exists(noName)).isTrue();
            assertThat(fixture.accounts().exists(Map.of("createdAt", T0))).isTrue();
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabases.class)
    void refusesBadInputBeforeSendingAnything(TestDatabases target) {
        try (Fixture fixture = accounts(target)) {
            seed(fixture, 2);
            Repository<Account, Long> accounts = fixture.accounts();
            long sentBefore = fixture.db().queryMetrics().total();

            assertRefused(() -> accounts.getAll(10, 0, "id; DROP TABLE " + fixture.table()), "invalid_order_by");
            assertRefused(() -> accounts.getAll(10, 0, "-"), "invalid_order_by");
            assertRefused(() -> accounts.getAll(10, 0, ""), "invalid_order_by");
            assertRefused(() -> accounts.getAll(10, 0, "created_at DESC"), "invalid_order_by");
            assertRefused(() -> accounts.getAll(10, 0, "--id"), "invalid_order_by");
            assertRefused(() -> accounts.getAll(10, 0, "password"), "invalid_order_by");
            assertRefused(() -> accounts.getAll(0, 0, "id"), "invalid_limit");
            assertRefused(() -> accounts.getAll(Repository.MAX_LIMIT + 1, 0, "id"), "invalid_limit");
            assertRefused(() -> accounts.getAll(10, -1, "id"), "invalid_offset");
            assertRefused(() -> accounts.getAll(10, Repository.MAX_OFFSET + 1), "invalid_offset");
            assertRefused(() -> accounts.getByField("password", "x"), "unknown_field");
            assertRefused(() -> accounts.getByField("email = email OR 1", "x"), "unknown_field");
            assertRefused(() -> accounts.count(Map.of("1=1 --", 1)), "unknown_field");
            assertRefused(() -> accounts.exists(Map.of("nope", 1)), "unknown_field");
            assertRefused(() -> accounts.update(1L, Map.of("nope", 1)), "unknown_field");
            assertRefused(() -> accounts.update(1L, Map.of()), "empty_write");
            assertRefused(() -> accounts.count(Map.of("created_at", T0, "createdAt", T0)), "duplicate_field");

            assertThat(fixture.db().queryMetrics().total()).isEqualTo(sentBefore);
            assertThat(accounts.count(Map.of())).isEqualTo(2);
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabases.class)
    void acceptsTheLimitAndOffsetBounds(TestDatabases target) {
        try (Fixture fixture = accounts(target)) {
            seed(fixture, 2);

            assertThat(fixture.accounts().getAll(1, 0, "id")).hasSize(1);
            assertThat(fixture.accounts().getAll(Repository.MAX_LIMIT, 0, "id")).hasSize(2);
            assertThat(fixture.accounts().getAll(Repository.MAX_LIMIT, Repository.MAX_OFFSET, "id")).isEmpty();
        }
    }

    private static void assertRefused(org.assertj.core.api.ThrowableAssert.ThrowingCallable call, String code) {
        assertThatThrownBy(call).isInstanceOfSatisfying(InvalidInputException.class,
                refused -> assertThat(refused.code()).isEqualTo(code));
    }
}
