package dev.weft.db;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A caller interrupted during a query (a cancelled request's virtual thread) gets an {@code interrupted} failure that
 * is not retried, keeps its interrupt flag, and leaves the database looking up: an interrupt closes a virtual
 * thread's socket, which the drivers report as a lost connection. An interrupted write in autocommit mode may have
 * committed all the same, so it is {@link CommitOutcomeUnknownException}, as a lost connection is.
 */
class InterruptedQueryTest {
    @ParameterizedTest
    @EnumSource(value = TestDatabases.class, names = {"POSTGRESQL", "MARIADB"})
    void anInterruptedQueryFailsAsInterruptedAtOnceAndTheDatabaseStaysUp(TestDatabases target) throws Exception {
        String slow = target == TestDatabases.POSTGRESQL ? "SELECT 4242 FROM pg_sleep(3)" : "SELECT SLEEP(3) + 4242";
        try (Database db = Database.create(target.config(builder -> builder.poolSize(1)))) {
            Interrupted outcome = interruptWhileRunning(target, () -> db.query(slow, Map.of(), Long.class));

            assertThat(outcome.failure()).isInstanceOfSatisfying(DatabaseException.class, e -> {
                assertThat(e.code()).isEqualTo("interrupted");
                assertThat(e.retryable()).isFalse();
                assertThat(e.getMessage()).contains("was interrupted");
            });
            assertThat(outcome.flagKept()).isTrue();
            assertThat(outcome.took()).isLessThan(Duration.ofMillis(2500)); // not retried until the sleep ends
            assertThat(db.isHealthy()).isTrue();
            assertThat(db.query("SELECT 1", Map.of(), Long.class)).containsExactly(1L);
        }
    }

    @ParameterizedTest
    @EnumSource(value = TestDatabases.class, names = {"POSTGRESQL", "MARIADB"})
    void anInterruptedAutocommitWriteMayHaveCommitted(TestDatabases target) throws Exception {
        String table = "interrupted_write_" + target.name().toLowerCase(java.util.Locale.ROOT);
        try (Database db = Database.create(target.config(builder -> builder.poolSize(1)))) {
            db.execute("DROP TABLE IF EXISTS " + table);
            db.execute("CREATE TABLE " + table + " (n INTEGER)");
            String slowWrite = target == TestDatabases.POSTGRESQL
                    ? "INSERT INTO " + table + " SELECT 4242 FROM pg_sleep(3)"
                    : "INSERT INTO " + table + " SELECT SLEEP(3) + 4242";
            try {
                Interrupted outcome = interruptWhileRunning(target, () -> db.execute(slowWrite, Map.of()));

                assertThat(outcome.failure()).isInstanceOf(CommitOutcomeUnknownException.class);
                assertThat(outcome.flagKept()).isTrue();
            } finally {
                db.execute("DROP TABLE IF EXISTS " + table);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = TestDatabases.class, names = {"POSTGRESQL", "SQLITE"})
    void aCallerInterruptedWhileWaitingForAConnectionFailsAsInterrupted(TestDatabases target) throws Exception {
        try (Database db = Database.create(target.config(builder -> builder.poolSize(1)));
                java.util.stream.Stream<Long> held = db.query("SELECT 1 UNION ALL SELECT 2", Map.of()).fetchSize(1)
                        .stream(Long.class)) {
            held.iterator().next(); // the pool's one connection is the stream's
            CompletableFuture<Throwable> failure = new CompletableFuture<>();
            Thread caller = Thread.ofVirtual().start(() -> {
                try {
                    db.query("SELECT 1", Map.of(), Long.class);
                    failure.complete(null);
                } catch (Throwable e) {
                    failure.complete(e);
                }
            });
            awaitParked(caller);
            caller.interrupt();

            assertThat(failure.get(10, TimeUnit.SECONDS)).isInstanceOfSatisfying(DatabaseException.class, e -> {
                assertThat(e.code()).isEqualTo("interrupted");
                assertThat(e.retryable()).isFalse();
                assertThat(e).isNotInstanceOf(DatabaseUnavailableException.class);
            });
        }
    }

    /** What an interrupted call threw, whether its thread still saw the flag, and how long the interrupt took. */
    private record Interrupted(Throwable failure, boolean flagKept, Duration took) {
    }

    /** Runs {@code call} on a virtual thread, interrupts it once the server shows the statement running. */
    private static Interrupted interruptWhileRunning(TestDatabases target, Runnable call) throws Exception {
        CompletableFuture<Throwable> failure = new CompletableFuture<>();
        CompletableFuture<Boolean> flagKept = new CompletableFuture<>();
        Thread caller = Thread.ofVirtual().start(() -> {
            try {
                call.run();
                failure.complete(null);
            } catch (Throwable e) {
                failure.complete(e);
            }
            flagKept.complete(Thread.currentThread().isInterrupted());
        });
        awaitRunning(target);
        long interruptedAt = System.nanoTime();
        caller.interrupt();
        Throwable thrown = failure.get(10, TimeUnit.SECONDS);
        return new Interrupted(thrown, flagKept.get(1, TimeUnit.SECONDS),
                Duration.ofNanos(System.nanoTime() - interruptedAt));
    }

    /** Waits until the server shows a statement with the marker 4242 running, so the interrupt lands inside it. */
    private static void awaitRunning(TestDatabases target) throws InterruptedException {
        String running = target == TestDatabases.POSTGRESQL
                ? "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query LIKE '%4242%'"
                        + " AND pid <> pg_backend_pid()"
                : "SELECT count(*) FROM information_schema.processlist WHERE info LIKE '%4242%'"
                        + " AND info NOT LIKE '%processlist%'";
        try (Database watcher = target.open()) {
            long giveUpAt = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (watcher.query(running, Map.of(), Long.class).getFirst() == 0) {
                assertThat(System.nanoTime() - giveUpAt).as("the statement never showed as running").isNegative();
                Thread.sleep(20);
            }
        }
    }

    private static void awaitParked(Thread thread) throws InterruptedException {
        long giveUpAt = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (thread.getState() != Thread.State.WAITING && thread.getState() != Thread.State.TIMED_WAITING) {
            assertThat(System.nanoTime() - giveUpAt).as("the caller never waited").isNegative();
            Thread.sleep(10);
        }
    }
}
