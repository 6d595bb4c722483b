package dev.weft.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.weft.core.Deadline;
import dev.weft.core.InvalidInputException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link Database#keyed}: concurrent finds are batched and each caller gets what its own query returns, on
 * PostgreSQL, MariaDB and SQLite. To make batches form without relying on timing, the tests hold the only pooled
 * connection while the callers arrive: the first takes the reader's slot and waits for the connection, the others
 * join the waiting batch, which is sent when the connection is given back.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class KeyedReaderTest {
    record Item(long id, String name) {
    }

    private static final int ROWS = 40;

    private static String createItems(Database db, TestDatabases target) {
        String table = TestDatabases.table("keyed");
        db.execute("CREATE TABLE " + table + " (id BIGINT PRIMARY KEY, name VARCHAR(40) NOT NULL)"
                + target.tableOptions());
        List<Map<String, ?>> rows = new ArrayList<>();
        for (long id = 1; id <= ROWS; id++) {
            rows.add(Map.of("id", id, "name", "item-" + id));
        }
        db.batch("INSERT INTO " + table + " (id, name) VALUES (:id, :name)", rows).execute();
        return table;
    }

    private static Database open(TestDatabases target, SimpleMeterRegistry registry,
            UnaryOperator<DatabaseConfig.Builder> tweak) {
        return Database.create(target.config(builder -> tweak.apply(builder.poolSize(1)
                .keyBatching(KeyBatchingConfig.defaults().withMaxInFlight(1)))), registry);
    }

    private static Counter batches(SimpleMeterRegistry registry) {
        return registry.find("weft.db.batch.batches").counter();
    }

    private static DistributionSummary keys(SimpleMeterRegistry registry) {
        return registry.find("weft.db.batch.keys").summary();
    }

    /**
     * Runs {@code callers} on virtual threads while the only connection is held, waits until each is parked (in
     * the pool or in a batch), then gives the connection back and waits for them all.
     */
    private static <R> List<R> whileConnectionHeld(Database db, int callers, Function<Integer, R> call)
            throws InterruptedException {
        List<Thread> threads = new ArrayList<>();
        Map<Integer, R> results = new ConcurrentHashMap<>();
        try (Stream<Integer> held = db.stream("SELECT 1 UNION ALL SELECT 2", Map.of(), 1, Integer.class)) {
            held.iterator().next();
            for (int i = 0; i < callers; i++) {
                int index = i;
                threads.add(Thread.ofVirtual().start(() -> results.put(index, call.apply(index))));
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> threads.stream().allMatch(
                    thread -> thread.getState() == Thread.State.WAITING
                            || thread.getState() == Thread.State.TIMED_WAITING
                            || thread.getState() == Thread.State.TERMINATED)
                    && db.poolStatus().waiting() >= 1);
        }
        for (Thread thread : threads) {
            thread.join();
        }
        List<R> ordered = new ArrayList<>();
        for (int i = 0; i < callers; i++) {
            ordered.add(results.get(i));
        }
        return ordered;
    }

    /** A caller's outcome: its row, or what it threw. */
    record Outcome(Optional<Item> row, Throwable error) {
        static Outcome of(java.util.function.Supplier<Optional<Item>> call) {
            try {
                return new Outcome(call.get(), null);
            } catch (RuntimeException e) {
                return new Outcome(Optional.empty(), e);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = TestDatabases.class, names = {"POSTGRESQL", "MARIADB", "SQLITE"})
    void concurrentCallersGetExactlyTheirRowsInBatches(TestDatabases target) throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (Database db = open(target, registry, UnaryOperator.identity())) {
            String table = createItems(db, target);
            KeyedReader<Long, Item> reader = db.keyed(table, "id", Long.class, Item.class, "id", "name");
            // 200 callers over 50 keys: 40 present, 10 missing, each key asked by four callers
            List<Outcome> outcomes = whileConnectionHeld(db, 200,
                    i -> Outcome.of(() -> reader.find((long) (i % 50) + 1)));

            for (int i = 0; i < 200; i++) {
                long key = (i % 50) + 1;
                assertThat(outcomes.get(i).error()).isNull();
                assertThat(outcomes.get(i).row()).isEqualTo(key <= ROWS
                        ? Optional.of(new Item(key, "item-" + key)) : Optional.empty());
            }
            assertThat(batches(registry).count()).isLessThan(200);
            assertThat(keys(registry).max()).isGreaterThan(1);
            assertThat(keys(registry).totalAmount()).as("each distinct key sent once per batch")
                    .isLessThanOrEqualTo(200);
            assertThat(registry.find("weft.db.batch.wait").timer().count()).isPositive();
        }
    }

    @ParameterizedTest
    @EnumSource(value = TestDatabases.class, names = {"POSTGRESQL", "MARIADB", "SQLITE"})
    void aLoneCallerIsSentAtOnceAsOneQueryOfOneKey(TestDatabases target) {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (Database db = open(target, registry, UnaryOperator.identity())) {
            String table = createItems(db, target);
            KeyedReader<Long, Item> reader = db.keyed(table, "id", Long.class, Item.class, "id", "name");
            long before = db.queryMetrics().total();

            assertThat(reader.find(7L)).contains(new Item(7, "item-7"));
            assertThat(reader.find(99L)).isEmpty();

            assertThat(db.queryMetrics().total() - before).isEqualTo(2);
            assertThat(batches(registry).count()).isEqualTo(2);
            assertThat(keys(registry).max()).isEqualTo(1);
            Timer wait = registry.find("weft.db.batch.wait").timer();
            assertThat(wait.count()).as("no caller waited for a batch").isZero();
        }
    }

    @ParameterizedTest
    @EnumSource(value = TestDatabases.class, names = {"POSTGRESQL", "MARIADB", "SQLITE"})
    void aWriterThatCommittedReadsItsWriteAmongOtherReaders(TestDatabases target) throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (Database db = open(target, registry, builder -> builder.poolSize(2))) {
            String table = createItems(db, target);
            KeyedReader<Long, Item> reader = db.keyed(table, "id", Long.class, Item.class, "id", "name");
            AtomicBoolean stop = new AtomicBoolean();
            AtomicReference<Throwable> readerFailure = new AtomicReference<>();
            List<Thread> readers = new ArrayList<>();
            for (int r = 0; r < 16; r++) {
                readers.add(Thread.ofVirtual().start(() -> {
                    while (!stop.get()) {
                        try {
                            reader.find(ThreadLocalRandom.current().nextLong(1, 1_000));
                        } catch (RuntimeException e) {
                            readerFailure.set(e);
                        }
                    }
                }));
            }
            try {
                for (long id = 1_000; id < 1_150; id++) {
                    db.insert(table, Map.of("id", id, "name", "new-" + id)).execute();
                    assertThat(reader.find(id)).as("read after its commit").contains(new Item(id, "new-" + id));
                }
            } finally {
                stop.set(true);
                for (Thread thread : readers) {
                    thread.join();
                }
            }
            assertThat(readerFailure.get()).isNull();
        }
    }

    @ParameterizedTest
    @EnumSource(value = TestDatabases.class, names = {"POSTGRESQL", "MARIADB", "SQLITE"})
    void aFailingBatchFailsEachCallerAsItsOwnQueryWould(TestDatabases target) throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (Database db = open(target, registry, UnaryOperator.identity())) {
            String table = createItems(db, target);
            KeyedReader<Long, Item> reader = db.keyed(table, "id", Long.class, Item.class, "id", "name");
            db.execute("DROP TABLE " + table);
            Class<? extends Throwable> single = catchThrowable(() -> db.query("SELECT id, name FROM " + table
                    + " WHERE id = :id", Map.of("id", 1L)).optional(Item.class)).getClass();
            double keysBefore = keys(registry) == null ? 0 : keys(registry).max();

            List<Outcome> outcomes = whileConnectionHeld(db, 30, i -> Outcome.of(() -> reader.find((long) i + 1)));

            assertThat(keysBefore).isZero();
            assertThat(outcomes).allSatisfy(outcome -> assertThat(outcome.error()).isExactlyInstanceOf(single));
            assertThat(single).isAssignableTo(DatabaseException.class);
            assertThat(keys(registry).max()).as("the failure came from a batch of several keys").isGreaterThan(1);
        }
    }

    @Test
    void aTimedOutBatchFailsEachCallerWithQueryTimeout() throws Exception {
        // another session holds an exclusive lock on the table: the batch waits on it until the statement timeout
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (Database db = open(TestDatabases.POSTGRESQL, registry,
                builder -> builder.statementTimeout(Duration.ofMillis(500)));
                Database locker = TestDatabases.POSTGRESQL.open()) {
            String table = createItems(db, TestDatabases.POSTGRESQL);
            KeyedReader<Long, Item> reader = db.keyed(table, "id", Long.class, Item.class, "id", "name");
            CountDownLatch locked = new CountDownLatch(1);
            CountDownLatch done = new CountDownLatch(1);
            Thread holder = Thread.ofVirtual().start(() -> {
                try {
                    locker.inTransaction(tx -> {
                        tx.execute("LOCK TABLE " + table + " IN ACCESS EXCLUSIVE MODE");
                        locked.countDown();
                        done.await();
                        return null;
                    });
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            locked.await();
            try {
                List<Outcome> outcomes = whileConnectionHeld(db, 10, i -> Outcome.of(() -> reader.find((long) i + 1)));

                assertThat(outcomes).allSatisfy(outcome -> assertThat(outcome.error())
                        .isInstanceOf(QueryTimeoutException.class));
                assertThat(keys(registry).max()).isGreaterThan(1);
            } finally {
                done.countDown();
                holder.join();
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = TestDatabases.class, names = {"POSTGRESQL", "MARIADB", "SQLITE"})
    void insideATransactionItReadsTheTransactionsUncommittedRow(TestDatabases target) {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (Database db = open(target, registry, UnaryOperator.identity())) {
            String table = createItems(db, target);
            KeyedReader<Long, Item> reader = db.keyed(table, "id", Long.class, Item.class, "id", "name");

            Optional<Item> seen = db.inTransaction(tx -> {
                tx.insert(table, Map.of("id", 500L, "name", "uncommitted")).execute();
                return reader.find(500L);
            });
            Map<Long, Item> all = db.inTransaction(tx -> {
                tx.insert(table, Map.of("id", 501L, "name", "also")).execute();
                return reader.findAll(List.of(1L, 501L, 502L));
            });

            assertThat(seen).contains(new Item(500, "uncommitted"));
            assertThat(all).containsOnlyKeys(1L, 501L).containsEntry(501L, new Item(501, "also"));
            assertThat(batches(registry).count()).as("the transaction's read is no batch").isZero();
        }
    }

    @ParameterizedTest
    @EnumSource(value = TestDatabases.class, names = {"POSTGRESQL", "MARIADB", "SQLITE"})
    void switchedOffEveryFindIsOneQuery(TestDatabases target) throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (Database db = open(target, registry, builder -> builder.keyBatching(false))) {
            String table = createItems(db, target);
            KeyedReader<Long, Item> reader = db.keyed(table, "id", Long.class, Item.class, "id", "name");
            long before = db.queryMetrics().total();

            List<Outcome> outcomes = whileConnectionHeld(db, 20, i -> Outcome.of(() -> reader.find((long) i + 1)));

            assertThat(outcomes).allSatisfy(outcome -> assertThat(outcome.row()).isPresent());
            // the held connection's stream is one more operation
            assertThat(db.queryMetrics().total() - before).isEqualTo(21);
            assertThat(batches(registry).count()).isZero();
        }
    }

    @ParameterizedTest
    @EnumSource(value = TestDatabases.class, names = {"POSTGRESQL", "MARIADB", "SQLITE"})
    void findAllReturnsThePresentKeysOnce(TestDatabases target) {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (Database db = open(target, registry, builder -> builder.keyBatching(
                KeyBatchingConfig.defaults().withMaxBatchSize(8)))) {
            String table = createItems(db, target);
            KeyedReader<Long, String> names = db.keyed(table, "id", Long.class, String.class, "name");
            List<Long> asked = new ArrayList<>();
            for (long id = 1; id <= 30; id++) {
                asked.add(id);
                asked.add(id + 35); // 36..40 present, 41..65 missing
            }
            asked.add(3L);

            Map<Long, String> found = names.findAll(asked);

            assertThat(found).hasSize(35);
            assertThat(found).containsEntry(3L, "item-3").containsEntry(40L, "item-40").doesNotContainKey(41L);
            assertThat(names.findAll(List.of())).isEmpty();
        }
    }

    record Coded(int num, String code, java.util.UUID uid) {
    }

    @ParameterizedTest
    @EnumSource(value = TestDatabases.class, names = {"POSTGRESQL", "MARIADB", "SQLITE"})
    void integerTextAndUuidKeysAreBatchedToo(TestDatabases target) throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (Database db = open(target, registry, UnaryOperator.identity())) {
            String table = TestDatabases.table("keyed_types");
            String uuidType = switch (target) {
                case POSTGRESQL -> "UUID";
                case MARIADB, MYSQL -> "CHAR(36)";
                case SQLITE -> "TEXT";
            };
            db.execute("CREATE TABLE " + table + " (num INTEGER NOT NULL PRIMARY KEY, code VARCHAR(20) NOT NULL UNIQUE, "
                    + "uid " + uuidType + " NOT NULL UNIQUE)" + target.tableOptions());
            List<Coded> rows = new ArrayList<>();
            for (int i = 1; i <= 10; i++) {
                Coded row = new Coded(i, "c" + i, java.util.UUID.nameUUIDFromBytes(new byte[] {(byte) i}));
                rows.add(row);
                db.insert(table, Map.of("num", row.num(), "code", row.code(), "uid", row.uid())).execute();
            }
            KeyedReader<Integer, Coded> byNum = db.keyed(table, "num", Integer.class, Coded.class, "num", "code", "uid");
            KeyedReader<String, Coded> byCode = db.keyed(table, "code", String.class, Coded.class, "num", "code", "uid");
            KeyedReader<java.util.UUID, Coded> byUid = db.keyed(table, "uid", java.util.UUID.class, Coded.class, "num",
                    "code", "uid");

            List<List<Optional<Coded>>> answers = whileConnectionHeld(db, 36, i -> {
                int n = i % 12 + 1; // 11 and 12 are missing
                return List.of(byNum.find(n), byCode.find("c" + n),
                        byUid.find(java.util.UUID.nameUUIDFromBytes(new byte[] {(byte) n})));
            });

            for (int i = 0; i < 36; i++) {
                int n = i % 12 + 1;
                Optional<Coded> expected = n <= 10 ? Optional.of(rows.get(n - 1)) : Optional.empty();
                assertThat(answers.get(i)).containsExactly(expected, expected, expected);
            }
            assertThat(registry.find("weft.db.batch.keys").tag("shape", table + ".num").summary().max())
                    .isGreaterThan(1);
        }
    }

    @Test
    void theRepositorysGetByIdIsBatched() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (Database db = open(TestDatabases.POSTGRESQL, registry, UnaryOperator.identity())) {
            String table = createItems(db, TestDatabases.POSTGRESQL);
            dev.weft.db.repository.Repository<Item, Long> items = dev.weft.db.repository.Repository.create(db,
                    dev.weft.db.repository.RepositoryConfig.of(table, Item.class, Long.class));

            List<Optional<Item>> found = whileConnectionHeld(db, 20, i -> items.getById((long) i + 1));

            for (int i = 0; i < 20; i++) {
                assertThat(found.get(i)).contains(new Item(i + 1, "item-" + (i + 1)));
            }
            assertThat(keys(registry).max()).isGreaterThan(1);
        }
    }

    @ParameterizedTest
    @EnumSource(value = TestDatabases.class, names = {"POSTGRESQL", "MARIADB", "SQLITE"})
    void aKeyWithTwoRowsGetsOneOfThemAsOptionalWould(TestDatabases target) throws Exception {
        // Query.optional takes the first row and does not complain: a batch does the same for each key
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (Database db = open(target, registry, UnaryOperator.identity())) {
            String table = TestDatabases.table("keyed_dup");
            db.execute("CREATE TABLE " + table + " (id BIGINT PRIMARY KEY, grp BIGINT NOT NULL)"
                    + target.tableOptions());
            for (long id = 1; id <= 8; id++) {
                db.insert(table, Map.of("id", id, "grp", (id + 1) / 2)).execute();
            }
            KeyedReader<Long, Long> firstId = db.keyed(table, "grp", Long.class, Long.class, "id");

            List<Optional<Long>> answers = whileConnectionHeld(db, 10, i -> firstId.find((long) i % 5 + 1));

            for (int i = 0; i < 10; i++) {
                long group = i % 5 + 1;
                if (group == 5) {
                    assertThat(answers.get(i)).isEmpty();
                } else {
                    assertThat(answers.get(i)).hasValueSatisfying(id -> assertThat((id + 1) / 2).isEqualTo(group));
                }
            }
            assertThat(keys(registry).max()).isGreaterThan(1);
        }
    }

    @Test
    void mariaDbCaseInsensitiveCollationAnswersEachCallerAsItsOwnQuery() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (Database db = open(TestDatabases.MARIADB, registry, UnaryOperator.identity())) {
            String table = TestDatabases.table("keyed_ci");
            db.execute("CREATE TABLE " + table + " (code VARCHAR(20) NOT NULL PRIMARY KEY, label VARCHAR(20) NOT NULL)"
                    + TestDatabases.MARIADB.tableOptions());
            db.insert(table, Map.of("code", "abc", "label", "lower")).execute();
            db.insert(table, Map.of("code", "XyZ", "label", "mixed")).execute();
            db.insert(table, Map.of("code", "k1", "label", "plain")).execute();
            KeyedReader<String, String> labels = db.keyed(table, "code", String.class, String.class, "label");
            List<String> asked = List.of("ABC", "abc", "xyz", "XyZ", "k1", "K1", "nope", "abc ");
            Map<String, Optional<String>> expected = new java.util.HashMap<>();
            for (String code : asked) {
                expected.put(code, db.query("SELECT label FROM " + table + " WHERE code = :code",
                        Map.of("code", code)).optional(String.class));
            }
            assertThat(expected.get("ABC")).as("the collation itself is case-insensitive").contains("lower");

            List<Optional<String>> answers = whileConnectionHeld(db, asked.size() * 3,
                    i -> labels.find(asked.get(i % asked.size())));

            for (int i = 0; i < answers.size(); i++) {
                assertThat(answers.get(i)).as(asked.get(i % asked.size()))
                        .isEqualTo(expected.get(asked.get(i % asked.size())));
            }
            assertThat(keys(registry).max()).isGreaterThan(1);
            assertThat(labels.findAll(asked)).containsOnlyKeys("ABC", "abc", "xyz", "XyZ", "k1", "K1", "abc ");
        }
    }

    @Test
    void aCallersDeadlineBoundsItsWaitForABatch() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (Database db = open(TestDatabases.POSTGRESQL, registry, UnaryOperator.identity())) {
            String table = createItems(db, TestDatabases.POSTGRESQL);
            KeyedReader<Long, Item> reader = db.keyed(table, "id", Long.class, Item.class, "id", "name");
            CountDownLatch firstWaits = new CountDownLatch(1);
            AtomicReference<Throwable> bounded = new AtomicReference<>();
            try (Stream<Integer> held = db.stream("SELECT 1 UNION ALL SELECT 2", Map.of(), 1, Integer.class)) {
                held.iterator().next();
                Thread first = Thread.ofVirtual().start(() -> {
                    firstWaits.countDown();
                    reader.find(1L);
                });
                firstWaits.await();
                await().atMost(Duration.ofSeconds(10)).until(() -> db.poolStatus().waiting() >= 1);
                Thread joiner = Thread.ofVirtual().start(() -> bounded.set(catchThrowable(() ->
                        Deadline.after(Duration.ofMillis(200)).call(() -> reader.find(2L)))));
                joiner.join();
                assertThat(first.isAlive()).as("the first caller still waits for the connection").isTrue();
            }
            assertThat(bounded.get()).isInstanceOf(PoolExhaustedException.class);
        }
    }

    @Test
    void badIdentifiersAndTypesAreRefusedBeforeAnythingIsSent() {
        try (Database db = TestDatabases.POSTGRESQL.open()) {
            long before = db.queryMetrics().total();

            assertThatThrownBy(() -> db.keyed("items; DROP TABLE x", "id", Long.class, Item.class, "id"))
                    .isInstanceOf(InvalidInputException.class);
            assertThatThrownBy(() -> db.keyed("items", "id\"", Long.class, Item.class, "id"))
                    .isInstanceOf(InvalidInputException.class);
            assertThatThrownBy(() -> db.keyed("items", "id", Long.class, Item.class, "id", "name--"))
                    .isInstanceOf(InvalidInputException.class);
            assertThatThrownBy(() -> db.keyed("items", "id", Long.class, Item.class))
                    .isInstanceOf(InvalidInputException.class);
            assertThatThrownBy(() -> db.keyed("items", "id", Double.class, Item.class, "id"))
                    .isInstanceOf(InvalidInputException.class);
            assertThatThrownBy(() -> db.keyed("items", "id", Long.class, Thread.class, "id"))
                    .isInstanceOf(InvalidInputException.class);
            KeyedReader<String, String> reader = db.keyed("items", "code", String.class, String.class, "label");
            assertThatThrownBy(() -> reader.find("nul\0")).isInstanceOf(InvalidInputException.class);

            assertThat(db.queryMetrics().total()).isEqualTo(before);
        }
    }

    @Test
    void theSwitchAndSizesComeFromTheEnvironment() {
        DatabaseConfig off = DatabaseConfig.fromEnv(Map.of("DATABASE_URL", "postgresql://u@h/db",
                "DATABASE_KEY_BATCHING", "false", "DATABASE_KEY_BATCH_SIZE", "64",
                "WEFT_DB_KEY_BATCHES_IN_FLIGHT", "3"));
        DatabaseConfig defaults = DatabaseConfig.fromEnv(Map.of("DATABASE_URL", "postgresql://u@h/db"));

        assertThat(off.keyBatching()).isEqualTo(new KeyBatchingConfig(false, 64, 3));
        assertThat(defaults.keyBatching()).isEqualTo(KeyBatchingConfig.defaults());
        assertThat(defaults.keyBatching().enabled()).isTrue();
        assertThatThrownBy(() -> DatabaseConfig.fromEnv(Map.of("DATABASE_URL", "postgresql://u@h/db",
                "DATABASE_KEY_BATCHING", "maybe"))).hasMessageContaining("weft.db.key-batching");
    }

    private static Throwable catchThrowable(Runnable work) {
        try {
            work.run();
        } catch (Throwable e) {
            return e;
        }
        throw new AssertionError("expected a failure");
    }
}
