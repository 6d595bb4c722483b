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
 * thread's socket, which the drivers report as a lost connection.
 */
class InterruptedQueryTest {
    @ParameterizedTest
    @EnumSource(value = TestDatabases.class, names = {"POSTGRESQL", "MARIADB"})
    void anInterruptedQueryFailsAsInterruptedAtOnceAndTheDatabaseStaysUp(TestDatabases target) throws Exception {
        String slow = target == TestDatabases.POSTGRESQL ? "SELECT 1 FROM pg_sleep(3)" : "SELECT SLEEP(3)";
        try (Database db = Database.create(target.config(builder -> builder.poolSize(1)))) {
            assertThat(db.query("SELECT 1", Map.of(), Long.class)).containsExactly(1L); // the pool's connection is up
            CompletableFuture<Throwable> failure = new CompletableFuture<>();
            CompletableFuture<Boolean> flagKept = new CompletableFuture<>();
            Thread caller = Thread.ofVirtual().start(() -> {
                try {
                    db.query(slow, Map.of(), Long.class);
                    failure.complete(null);
                } catch (Throwable e) {
                    failure.complete(e);
                }
                flagKept.complete(Thread.currentThread().isInterrupted());
            });
            Thread.sleep(300);
            long interruptedAt = System.nanoTime();
            caller.interrupt();

            Throwable thrown = failure.get(10, TimeUnit.SECONDS);
            Duration took = Duration.ofNanos(System.nanoTime() - interruptedAt);

            assertThat(thrown).isInstanceOfSatisfying(DatabaseException.class, e -> {
                assertThat(e.code()).isEqualTo("interrupted");
                assertThat(e.retryable()).isFalse();
                assertThat(e.getMessage()).contains("was interrupted");
            });
            assertThat(flagKept.get(1, TimeUnit.SECONDS)).isTrue();
            assertThat(took).isLessThan(Duration.ofSeconds(2)); // not retried until the sleep ends
            assertThat(db.isHealthy()).isTrue();
            assertThat(db.query("SELECT 1", Map.of(), Long.class)).containsExactly(1L);
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
            Thread.sleep(200);
            caller.interrupt();

            assertThat(failure.get(10, TimeUnit.SECONDS)).isInstanceOfSatisfying(DatabaseException.class, e -> {
                assertThat(e.code()).isEqualTo("interrupted");
                assertThat(e.retryable()).isFalse();
                assertThat(e).isNotInstanceOf(DatabaseUnavailableException.class);
            });
        }
    }
}

