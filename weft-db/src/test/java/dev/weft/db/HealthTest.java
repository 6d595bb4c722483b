package dev.weft.db;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HealthTest {
    @ParameterizedTest
    @EnumSource(TestDatabases.class)
    void aRunningDatabaseIsHealthyAndDescribesItself(TestDatabases target) {
        try (Database db = target.open()) {
            String table = TestDatabases.table("info");
            db.execute("CREATE TABLE " + table + " (id INTEGER PRIMARY KEY)");
            try {
                Health health = db.health(Duration.ofSeconds(2));
                DatabaseInfo info = db.info();

                assertThat(db.isHealthy()).isTrue();
                assertThat(health.status()).isEqualTo(Health.Status.UP);
                assertThat(health.status().tag()).isEqualTo("up");
                assertThat(health.latency()).isLessThan(Duration.ofSeconds(2));
                assertThat(info.type()).isEqualTo(target.name().toLowerCase());
                assertThat(info.version()).isNotBlank();
                assertThat(info.tableCount()).isGreaterThanOrEqualTo(1);
                assertThat(info.urlRedacted()).doesNotContain("secret");
                assertThat(db.stats().pool().size()).isEqualTo(4);
            } finally {
                db.execute("DROP TABLE " + table);
            }
        }
    }

    @Test
    void readinessNeedsAHealthyDatabaseAndACurrentSchema() {
        try (Database db = TestDatabases.POSTGRESQL.open()) {
            java.util.concurrent.atomic.AtomicBoolean current = new java.util.concurrent.atomic.AtomicBoolean(false);
            HealthCheck readiness = HealthCheck.readiness(db, Duration.ofSeconds(2), current::get);

            Health pending = readiness.check();
            current.set(true);
            Health ready = readiness.check();

            assertThat(HealthCheck.liveness(db, Duration.ofSeconds(2)).check().healthy()).isTrue();
            assertThat(pending.healthy()).isFalse();
            assertThat(pending.error()).contains("migrations_pending");
            assertThat(ready.healthy()).isTrue();
            assertThat(ready.details()).containsEntry("migrations", "current");
        }
    }

    @Test
    void aDatabaseNobodyListensForIsUnhealthyWithinTheBound() {
        DatabaseConfig config = DatabaseConfig.builder(DatabaseType.POSTGRESQL).host("127.0.0.1").port(1)
                .database("test").username("postgres").password("secret").acquireTimeout(Duration.ofSeconds(1))
                .connectTimeout(Duration.ofSeconds(1)).build();
        try (Database db = Database.create(config)) {
            long start = System.nanoTime();

            Health health = db.health(Duration.ofMillis(1500));

            assertThat(health.healthy()).isFalse();
            assertThat(health.error()).isPresent();
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
            assertThat(db.config().redactedUrl()).doesNotContain("secret");
        }
    }

    @Test
    void aProbeStuckBehindABusyPoolAnswersAtItsBound() {
        try (Database db = Database.create(TestDatabases.POSTGRESQL.config(builder -> builder.poolSize(1)
                .acquireTimeout(Duration.ofSeconds(30))));
                Stream<Integer> held = db.stream("SELECT 1 UNION ALL SELECT 2", Map.of(), 1, Integer.class)) {
            held.iterator().next();
            long start = System.nanoTime();

            Health health = db.health(Duration.ofMillis(300));

            assertThat(health.healthy()).isFalse();
            assertThat(health.error()).contains("timeout");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
        }
    }
}
