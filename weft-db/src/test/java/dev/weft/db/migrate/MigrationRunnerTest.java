package dev.weft.db.migrate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.db.Database;
import dev.weft.db.DatabaseType;
import dev.weft.db.TestDatabases;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The runner on real PostgreSQL, MariaDB and SQLite. Each test has its own schema table and its own tables (random
 * suffixes) and drops them afterwards.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class MigrationRunnerTest {
    private final List<Database> open = new ArrayList<>();
    private final List<Runnable> cleanup = new ArrayList<>();

    @AfterEach
    void cleanUp() {
        for (Runnable step : cleanup.reversed()) {
            try {
                step.run();
            } catch (RuntimeException ignored) {
                // best effort: the next step may still succeed
            }
        }
        open.forEach(Database::close);
    }

    /** Three migrations over fresh tables; each up also logs its version in a log table, to count applications. */
    private final class Fixture {
        final TestDatabases target;
        final Database db;
        final String schemaTable = TestDatabases.table("mig_schema");
        final String log = TestDatabases.table("mig_log");
        final String accounts = TestDatabases.table("mig_accounts");
        final String orders = TestDatabases.table("mig_orders");
        final MigrationConfig config = MigrationConfig.defaults().withTable(schemaTable);

        Fixture(TestDatabases target) {
            this.target = target;
            this.db = target.open();
            open.add(db);
            db.execute("CREATE TABLE " + log + " (version VARCHAR(64) NOT NULL)" + target.tableOptions());
            dropAfterwards(db, log, schemaTable, accounts, orders);
        }

        List<Migration> migrations() {
            return List.of(
                    new Migration("20261123_100000", "create_accounts", "Create accounts",
                            "CREATE TABLE " + accounts + " (" + target.autoId() + ", email VARCHAR(255) NOT NULL, "
                                    + "note VARCHAR(100) DEFAULT 'a;b -- not a comment')" + target.tableOptions()
                                    + ";\n-- a comment; with a semicolon\n"
                                    + "CREATE INDEX idx_" + accounts + " ON " + accounts + " (email);\n"
                                    + logged("20261123_100000"),
                            "DROP TABLE " + accounts + ";\n" + unlogged("20261123_100000")),
                    new Migration("20261123_110000", "create_orders", "Create orders",
                            "CREATE TABLE " + orders + " (" + target.autoId() + ", total BIGINT NOT NULL)"
                                    + target.tableOptions() + ";\n" + logged("20261123_110000"),
                            "DROP TABLE " + orders + ";\n" + unlogged("20261123_110000")),
                    new Migration("20261123_120000", "seed_accounts", "Seed accounts",
                            "INSERT INTO " + accounts + " (email) VALUES ('ada@example.com');\n"
                                    + "INSERT INTO " + accounts + " (email) VALUES ('bob@example.com');\n"
                                    + logged("20261123_120000"),
                            "DELETE FROM " + accounts + ";\n" + unlogged("20261123_120000")));
        }

        String logged(String version) {
            return "INSERT INTO " + log + " (version) VALUES ('" + version + "');";
        }

        String unlogged(String version) {
            return "DELETE FROM " + log + " WHERE version = '" + version + "';";
        }

        MigrationRunner runner() {
            return Migrations.runner(db, MigrationSource.of(migrations()), config);
        }

        long applications() {
            return db.query("SELECT count(*) FROM " + log, Map.of()).one(Long.class);
        }

        boolean tableExists(String table) {
            return new SchemaTable(db.type(), table).exists(db);
        }
    }

    private void dropAfterwards(Database db, String... tables) {
        for (String table : tables) {
            cleanup.add(() -> db.execute("DROP TABLE IF EXISTS " + table));
        }
    }

    /** Starts every runner's {@code migrate()} at the same moment and returns their results. */
    private static List<MigrationResult> migrateAtOnce(List<MigrationRunner> runners) throws Exception {
        CountDownLatch start = new CountDownLatch(1);
        List<MigrationResult> results = new ArrayList<>();
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<MigrationResult>> futures = new ArrayList<>();
            for (MigrationRunner runner : runners) {
                futures.add(threads.submit(() -> {
                    start.await();
                    return runner.migrate();
                }));
            }
            start.countDown();
            for (Future<MigrationResult> future : futures) {
                results.add(future.get(60, TimeUnit.SECONDS));
            }
        }
        return results;
    }

    private static List<String> versions(List<MigrationStatus> statuses, MigrationState state) {
        return statuses.stream().filter(status -> status.state() == state).map(MigrationStatus::version).toList();
    }

    @ParameterizedTest
    @EnumSource(value = TestDatabases.class, names = {"POSTGRESQL", "MARIADB", "SQLITE"})
    void migratesToTheLatestVersionAndReportsStatus(TestDatabases target) {
        Fixture fixture = new Fixture(target);
        MigrationRunner runner = fixture.runner();
        assertThat(runner.isCurrent()).isFalse();
        assertThat(runner.pending()).hasSize(3);

        MigrationResult result = runner.migrate();

        assertThat(result.applied()).containsExactly("20261123_100000", "20261123_110000", "20261123_120000");
        assertThat(result.current()).isEqualTo("20261123_120000");
        assertThat(fixture.db.query("SELECT count(*) FROM " + fixture.accounts, Map.of()).one(Long.class))
                .isEqualTo(2);
        List<MigrationStatus> status = runner.status();
        assertThat(status).extracting(MigrationStatus::state).containsOnly(MigrationState.APPLIED);
        assertThat(status).allSatisfy(row -> {
            assertThat(row.appliedAt()).isNotNull();
            assertThat(row.checksum()).isEqualTo(row.appliedChecksum()).hasSize(64);
        });
        assertThat(runner.isCurrent()).isTrue();
        assertThat(runner.pending()).isEmpty();
        assertThat(runner.migrate().changes()).isZero();
    }

    @ParameterizedTest
    @EnumSource(value = TestDatabases.class, names = {"POSTGRESQL", "MARIADB", "SQLITE"})
    void migratesDownAndUpToATargetVersion(TestDatabases target) {
        Fixture fixture = new Fixture(target);
        MigrationRunner runner = fixture.runner();
        runner.migrate();

        MigrationResult down = runner.migrate("20261123_100000");

        assertThat(down.rolledBack()).containsExactly("20261123_120000", "20261123_110000");
        assertThat(down.current()).isEqualTo("20261123_100000");
        assertThat(fixture.tableExists(fixture.orders)).isFalse();
        assertThat(versions(runner.status(), MigrationState.PENDING)).containsExactly("20261123_110000",
                "20261123_120000");

        MigrationResult up = runner.migrate("20261123_110000");

        assertThat(up.applied()).containsExactly("20261123_110000");
        assertThat(fixture.tableExists(fixture.orders)).isTrue();
        assertThat(versions(runner.status(), MigrationState.PENDING)).containsExactly("20261123_120000");
        assertThatThrownBy(() -> runner.migrate("20990101_000000")).isInstanceOfSatisfying(MigrationException.class,
                e -> assertThat(e.code()).isEqualTo("migration_not_found"));
        // not a version at all: a clear refusal (it was a NumberFormatException from comparing versions)
        assertThatThrownBy(() -> runner.migrate("abc")).isInstanceOfSatisfying(
                dev.weft.core.InvalidInputException.class, e -> assertThat(e.code()).isEqualTo("invalid_version"));
    }

    @ParameterizedTest
    @EnumSource(value = TestDatabases.class, names = {"POSTGRESQL", "MARIADB", "SQLITE"})
    void rollsBackStepsAndVersions(TestDatabases target) {
        Fixture fixture = new Fixture(target);
        MigrationRunner runner = fixture.runner();
        runner.migrate();

        MigrationResult one = runner.rollback(1);
        MigrationResult rest = runner.rollback(5);

        assertThat(one.rolledBack()).containsExactly("20261123_120000");
        assertThat(rest.rolledBack()).containsExactly("20261123_110000", "20261123_100000");
        assertThat(rest.current()).isNull();
        assertThat(fixture.applications()).isZero();
        assertThat(fixture.tableExists(fixture.accounts)).isFalse();
        runner.migrate();
        assertThat(runner.rollback("20261123_110000").rolledBack()).containsExactly("20261123_120000",
                "20261123_110000");
        assertThatThrownBy(() -> runner.rollback("20261123_120000")).isInstanceOfSatisfying(
                MigrationException.class, e -> assertThat(e.code()).isEqualTo("migration_not_applied"));
    }

    @ParameterizedTest
    @EnumSource(value = TestDatabases.class, names = {"POSTGRESQL", "MARIADB", "SQLITE"})
    void refusesToMigrateWhileAnAppliedMigrationChanged(TestDatabases target) {
        Fixture fixture = new Fixture(target);
        Migrations.runner(fixture.db, MigrationSource.of(fixture.migrations().subList(0, 1)), fixture.config)
                .migrate();
        List<Migration> edited = new ArrayList<>(fixture.migrations());
        Migration first = edited.getFirst();
        edited.set(0, new Migration(first.version(), first.name(), first.description(),
                first.up() + "\n-- edited after it ran", first.down()));
        MigrationRunner runner = Migrations.runner(fixture.db, MigrationSource.of(edited), fixture.config);

        List<MigrationStatus> problems = runner.validate();

        assertThat(problems).singleElement().satisfies(problem -> {
            assertThat(problem.version()).isEqualTo("20261123_100000");
            assertThat(problem.state()).isEqualTo(MigrationState.CHANGED);
        });
        assertThat(runner.isCurrent()).isFalse();
        assertThatThrownBy(runner::migrate).isInstanceOfSatisfying(MigrationException.class, e -> {
            assertThat(e.code()).isEqualTo("migration_changed");
            assertThat(e.version()).contains("20261123_100000");
            assertThat(e.getMessage()).contains("20261123_100000").contains("repair(\"20261123_100000\")");
        });
        assertThat(fixture.applications()).isEqualTo(1);
        runner.repair("20261123_100000");
        assertThat(runner.validate()).isEmpty();
        assertThat(runner.migrate().applied()).hasSize(2);
    }

    @ParameterizedTest
    @EnumSource(value = TestDatabases.class, names = {"POSTGRESQL", "MARIADB", "SQLITE"})
    void appliesEachMigrationOnceWhenTwoRunnersRace(TestDatabases target) throws Exception {
        Fixture fixture = new Fixture(target);
        Database other = Database.create(fixture.db.config().toBuilder().name("test-runner-b").build());
        open.add(other);
        List<MigrationRunner> runners = List.of(fixture.runner(),
                Migrations.runner(other, MigrationSource.of(fixture.migrations()), fixture.config));

        List<MigrationResult> results = migrateAtOnce(runners);

        assertThat(fixture.applications()).isEqualTo(3);
        assertThat(results.stream().mapToInt(MigrationResult::changes).sum()).isEqualTo(3);
        assertThat(results).extracting(MigrationResult::current).containsOnly("20261123_120000");
        assertThat(runners.get(0).status()).isEqualTo(runners.get(1).status());
        assertThat(runners.get(1).isCurrent()).isTrue();
    }

    @ParameterizedTest
    @EnumSource(value = TestDatabases.class, names = {"POSTGRESQL", "SQLITE"})
    void rollsBackAFailedMigrationWhereDdlIsTransactional(TestDatabases target) {
        Fixture fixture = new Fixture(target);
        String broken = TestDatabases.table("mig_broken");
        dropAfterwards(fixture.db, broken);
        Migration failing = new Migration("20261123_130000", "broken", "",
                "CREATE TABLE " + broken + " (id INTEGER);\nCREATE TABLE " + broken + " (id INTEGER);", "");
        List<Migration> all = new ArrayList<>(fixture.migrations());
        all.add(failing);
        MigrationRunner runner = Migrations.runner(fixture.db, MigrationSource.of(all), fixture.config);

        assertThatThrownBy(runner::migrate).isInstanceOfSatisfying(MigrationException.class, e -> {
            assertThat(e.code()).isEqualTo("migration_failed");
            assertThat(e.getMessage()).contains("20261123_130000").contains("statement 2 of 2")
                    .contains("stays pending");
        });

        assertThat(fixture.tableExists(broken)).isFalse();
        assertThat(versions(runner.status(), MigrationState.PENDING)).containsExactly("20261123_130000");
        assertThat(versions(runner.status(), MigrationState.APPLIED)).hasSize(3);
    }

    /** A migration that PostgreSQL and SQLite refuse inside a transaction, with the directive that runs it outside. */
    private static Migration outsideATransaction(TestDatabases target, String table) {
        String up = target == TestDatabases.SQLITE ? "VACUUM"
                : "CREATE INDEX CONCURRENTLY idx_" + table + "_total ON " + table + " (total)";
        String down = target == TestDatabases.SQLITE ? "VACUUM" : "DROP INDEX CONCURRENTLY idx_" + table + "_total";
        if (target == TestDatabases.MARIADB) {
            up = "CREATE INDEX idx_" + table + "_total ON " + table + " (total)";
            down = "DROP INDEX idx_" + table + "_total ON " + table;
        }
        return new Migration("20261123_130000", "index_orders", "", "-- weft:no-transaction\n" + up + ";", down + ";");
    }

    @ParameterizedTest
    @EnumSource(value = TestDatabases.class, names = {"POSTGRESQL", "MARIADB", "SQLITE"})
    void aNoTransactionMigrationRunsWhatATransactionRefusesAndRollsBackTheSameWay(TestDatabases target) {
        Fixture fixture = new Fixture(target);
        List<Migration> all = new ArrayList<>(fixture.migrations());
        all.add(outsideATransaction(target, fixture.orders));
        assertThat(all.getLast().transactional()).isFalse();
        assertThat(all.getFirst().transactional()).isTrue();
        MigrationRunner runner = Migrations.runner(fixture.db, MigrationSource.of(all), fixture.config);

        MigrationResult applied = runner.migrate();
        assertThat(applied.applied()).hasSize(4).endsWith("20261123_130000");
        assertThat(runner.isCurrent()).isTrue();
        if (target == TestDatabases.POSTGRESQL) {
            assertThat(fixture.db.query("SELECT indisvalid FROM pg_index WHERE indexrelid = to_regclass(:name)",
                    Map.of("name", "idx_" + fixture.orders + "_total")).one(Boolean.class)).isTrue();
        }

        MigrationResult rolledBack = runner.rollback(1);
        assertThat(rolledBack.rolledBack()).containsExactly("20261123_130000");
        assertThat(versions(runner.status(), MigrationState.PENDING)).containsExactly("20261123_130000");
        assertThat(runner.migrate().applied()).containsExactly("20261123_130000");
    }

    @Test
    void withoutTheDirectivePostgresRefusesConcurrentIndexingAndTheMigrationStaysPending() {
        Fixture fixture = new Fixture(TestDatabases.POSTGRESQL);
        Migration plain = new Migration("20261123_130000", "index_orders", "",
                "CREATE INDEX CONCURRENTLY idx_" + fixture.orders + "_total ON " + fixture.orders + " (total);", "");
        List<Migration> all = new ArrayList<>(fixture.migrations());
        all.add(plain);
        MigrationRunner runner = Migrations.runner(fixture.db, MigrationSource.of(all), fixture.config);

        assertThatThrownBy(runner::migrate).isInstanceOf(MigrationException.class)
                .hasMessageContaining("stays pending");
        assertThat(versions(runner.status(), MigrationState.PENDING)).containsExactly("20261123_130000");
    }

    @Test
    void aNoTransactionMigrationThatFailsIsRecordedFailedWithWhatItMayHaveLeft() {
        Fixture fixture = new Fixture(TestDatabases.POSTGRESQL);
        String broken = TestDatabases.table("mig_broken");
        dropAfterwards(fixture.db, broken);
        Migration failing = new Migration("20261123_130000", "broken", "", "-- weft:no-transaction\n"
                + "CREATE TABLE " + broken + " (id INTEGER);\nCREATE TABLE " + broken + " (id INTEGER);", "");
        List<Migration> all = new ArrayList<>(fixture.migrations());
        all.add(failing);
        MigrationRunner runner = Migrations.runner(fixture.db, MigrationSource.of(all), fixture.config);

        assertThatThrownBy(runner::migrate).isInstanceOfSatisfying(MigrationException.class, e -> {
            assertThat(e.code()).isEqualTo("migration_failed");
            assertThat(e.getMessage()).contains("outside a transaction").contains("statement 2 of 2")
                    .contains("repair(");
        });

        assertThat(fixture.tableExists(broken)).as("statement 1 committed by itself").isTrue();
        assertThat(versions(runner.status(), MigrationState.FAILED)).containsExactly("20261123_130000");
        assertThatThrownBy(runner::migrate).isInstanceOf(MigrationException.class)
                .hasMessageContaining("failed at");
    }

    @Test
    void aNoTransactionMigrationOnAPoolOfOneIsRefusedAtOnceSayingWhy() {
        Fixture fixture = new Fixture(TestDatabases.POSTGRESQL);
        Database single = Database.create(fixture.db.config().toBuilder().name("test-single")
                .pool(dev.weft.db.PoolConfig.defaults().withSize(1)).build());
        open.add(single);
        List<Migration> all = new ArrayList<>(fixture.migrations());
        all.add(outsideATransaction(TestDatabases.POSTGRESQL, fixture.orders));
        MigrationRunner runner = Migrations.runner(single, MigrationSource.of(all), fixture.config);

        assertThatThrownBy(runner::migrate).isInstanceOfSatisfying(MigrationException.class, e -> {
            assertThat(e.code()).isEqualTo("migration_needs_two_connections");
            assertThat(e.getMessage()).contains("weft:no-transaction").contains("at least 2");
        });
        assertThat(versions(runner.status(), MigrationState.PENDING)).containsExactly("20261123_130000");
    }

    @Test
    void aNoTransactionMigrationThatLeavesATransactionOpenReleasesTheLockAllTheSame() {
        Fixture fixture = new Fixture(TestDatabases.POSTGRESQL);
        // its second statement fails inside a transaction its first opened: the unlock must not fail with it
        Migration aborted = new Migration("20261123_130000", "aborts", "",
                "-- weft:no-transaction\nBEGIN;\nSELECT 1/0;", "");
        List<Migration> all = new ArrayList<>(fixture.migrations());
        all.add(aborted);
        MigrationRunner runner = Migrations.runner(fixture.db, MigrationSource.of(all), fixture.config);
        MigrationRunner impatient = Migrations.runner(fixture.db, MigrationSource.of(all),
                fixture.config.withLockTimeout(java.time.Duration.ofSeconds(1)));

        assertThatThrownBy(runner::migrate).isInstanceOfSatisfying(MigrationException.class,
                e -> assertThat(e.getMessage()).contains("statement 2 of 2"));

        // the lock is free (a held one would make this a migration_lock_timeout), the failure recorded
        assertThatThrownBy(impatient::migrate).isInstanceOfSatisfying(MigrationException.class,
                e -> assertThat(e.code()).isEqualTo("migration_failed"));
        long key = new MigrationLock(fixture.db, fixture.config).advisoryKey();
        assertThat(fixture.db.query("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = :high"
                + " AND objid = :low", Map.of("high", key >>> 32, "low", key & 0xFFFF_FFFFL)).one(Long.class)).isZero();
    }

    @Test
    void twoRunnersRaceOverANoTransactionMigrationAndItRunsOnce() throws Exception {
        Fixture fixture = new Fixture(TestDatabases.POSTGRESQL);
        List<Migration> all = new ArrayList<>(fixture.migrations());
        all.add(outsideATransaction(TestDatabases.POSTGRESQL, fixture.orders));
        Database other = Database.create(fixture.db.config().toBuilder().name("test-runner-b").build());
        open.add(other);
        List<MigrationRunner> runners = List.of(Migrations.runner(fixture.db, MigrationSource.of(all), fixture.config),
                Migrations.runner(other, MigrationSource.of(all), fixture.config));

        List<MigrationResult> results = migrateAtOnce(runners);

        // a second CREATE INDEX CONCURRENTLY of the same name would have failed one runner
        assertThat(results.stream().flatMap(result -> result.applied().stream()))
                .containsExactlyInAnyOrder("20261123_100000", "20261123_110000", "20261123_120000", "20261123_130000");
        assertThat(runners.get(1).isCurrent()).isTrue();
    }

    @Test
    void aRunnerWaitsForAnotherRunnersLockOnlyAsLongAsItsLockTimeout() throws Exception {
        Fixture fixture = new Fixture(TestDatabases.POSTGRESQL);
        MigrationLock held = new MigrationLock(fixture.db, fixture.config);
        CountDownLatch holding = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        MigrationRunner impatient = Migrations.runner(fixture.db, MigrationSource.of(fixture.migrations()),
                fixture.config.withLockTimeout(java.time.Duration.ofSeconds(1)));
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<Boolean> holder = threads.submit(() -> held.locked(transaction -> {
                holding.countDown();
                try {
                    return release.await(20, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }));
            assertThat(holding.await(10, TimeUnit.SECONDS)).isTrue();

            assertThatThrownBy(impatient::migrate).isInstanceOfSatisfying(MigrationException.class,
                    e -> assertThat(e.code()).isEqualTo("migration_lock_timeout"));

            release.countDown();
            assertThat(holder.get(10, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(impatient.migrate().applied()).hasSize(3);
    }

    @Test
    void recordsAFailedMigrationOnMariaDbAndStopsUntilRepaired() {
        Fixture fixture = new Fixture(TestDatabases.MARIADB);
        String broken = TestDatabases.table("mig_broken");
        dropAfterwards(fixture.db, broken);
        Migration failing = new Migration("20261123_130000", "broken", "",
                "CREATE TABLE " + broken + " (id INTEGER);\nCREATE TABLE " + broken + " (id INTEGER);",
                "DROP TABLE " + broken + ";");
        List<Migration> all = new ArrayList<>(fixture.migrations());
        all.add(failing);
        MigrationRunner runner = Migrations.runner(fixture.db, MigrationSource.of(all), fixture.config);
        assertThatThrownBy(runner::migrate).isInstanceOfSatisfying(MigrationException.class, e -> {
            assertThat(e.code()).isEqualTo("migration_failed");
            assertThat(e.getMessage()).contains("statement 2 of 2").contains("repair(\"20261123_130000\")");
        });

        MigrationStatus failed = runner.status().getLast();

        assertThat(failed.state()).isEqualTo(MigrationState.FAILED);
        assertThat(failed.error()).startsWith("sql_error SQLState 42S01");
        assertThat(fixture.tableExists(broken)).isTrue(); // the first statement committed implicitly
        assertThatThrownBy(runner::migrate).isInstanceOfSatisfying(MigrationException.class, e -> {
            assertThat(e.code()).isEqualTo("migration_failed");
            assertThat(e.getMessage()).contains("Fix the database by hand").contains("markApplied");
        });
        assertThatThrownBy(() -> runner.rollback(1)).isInstanceOf(MigrationException.class);

        // a human completes the migration by hand, then records it
        runner.markApplied("20261123_130000");
        assertThat(runner.isCurrent()).isTrue();
        assertThat(runner.rollback(1).rolledBack()).containsExactly("20261123_130000");
        assertThat(fixture.tableExists(broken)).isFalse();
    }

    @Test
    void repairMakesAFailedMigrationPendingAgainOnMariaDb() {
        Fixture fixture = new Fixture(TestDatabases.MARIADB);
        String broken = TestDatabases.table("mig_broken");
        dropAfterwards(fixture.db, broken);
        Migration failing = new Migration("20261123_130000", "broken", "",
                "CREATE TABLE " + broken + " (id INTEGER);\nSELECT * FROM no_such_table_here;", "");
        MigrationRunner runner = Migrations.runner(fixture.db, MigrationSource.of(failing), fixture.config);
        assertThatThrownBy(runner::migrate).isInstanceOf(MigrationException.class);

        fixture.db.execute("DROP TABLE " + broken); // the human undoes the partial effect
        runner.repair("20261123_130000");

        assertThat(runner.status()).singleElement().extracting(MigrationStatus::state)
                .isEqualTo(MigrationState.PENDING);
    }

    @ParameterizedTest
    @EnumSource(value = TestDatabases.class, names = {"POSTGRESQL", "MARIADB", "SQLITE"})
    void templatesCreateAndDropTheGuidesTables(TestDatabases target) {
        Fixture fixture = new Fixture(target);
        String prefix = TestDatabases.table("t") + "_";
        DatabaseType type = fixture.db.type();
        dropAfterwards(fixture.db, prefix + "users", prefix + "videos", prefix + "model_usage");
        Clock clock = Clock.fixed(Instant.parse("2026-11-23T12:00:00Z"), ZoneOffset.UTC);
        List<MigrationTemplate> templates = CommonMigrations.all(type, prefix);
        MigrationRunner runner = Migrations.runner(fixture.db, MigrationSource.of(
                templates.get(0).migration(clock), templates.get(1).migration("20261123_120001"),
                templates.get(2).migration("20261123_120002")), fixture.config);

        runner.migrate();

        long userId = ((Number) fixture.db.insert(prefix + "users", Map.of("email", "ada@example.com",
                "username", "ada", "credits", 100L)).returning("id").execute().rows().getFirst().get("id"))
                .longValue();
        long videoId = ((Number) fixture.db.insert(prefix + "videos", Map.of("video_id", "v-1", "user_id", userId,
                "filename", "a.mp4", "options", "{\"fps\": 30}")).returning("id").execute().rows().getFirst()
                .get("id")).longValue();
        fixture.db.insert(prefix + "model_usage", Map.of("user_id", userId, "video_id", videoId,
                "model_type", "upscale", "processing_ms", 1200L, "memory_mb", 512.5, "gpu_percent", 80.0)).execute();
        assertThat(fixture.db.query("SELECT count(*) FROM " + prefix + "model_usage", Map.of()).one(Long.class))
                .isEqualTo(1);
        assertThat(runner.status().getFirst().version()).isEqualTo("20261123_120000");

        runner.rollback(3);

        for (String table : List.of("users", "videos", "model_usage")) {
            assertThat(fixture.tableExists(prefix + table)).as(table).isFalse();
        }
    }
}
