package dev.weft.service.data;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.db.DatabaseType;
import dev.weft.db.migrate.Migration;
import dev.weft.service.jobs.JobMigrations;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every dialect's list of the service's migrations, with the jobs feature's, holds each version once: version 10
 * exists on MariaDB/MySQL only, and a jobs migration numbered 10 would collide there alone.
 */
class ServiceMigrationsTest {
    @ParameterizedTest
    @EnumSource(DatabaseType.class)
    void everyDialectsVersionsAreDistinctWithTheWideAnswersOnMariaDbAndMySqlOnly(DatabaseType type) {
        // MigrationSource.of refuses two migrations with one version
        List<Migration> all = ServiceMigrations.source(type, List.of(JobMigrations::forDialect)).migrations();

        boolean mysqlFamily = type == DatabaseType.MARIADB || type == DatabaseType.MYSQL;
        assertThat(all).extracting(Migration::version).containsExactlyElementsOf(mysqlFamily
                ? List.of("1", "2", "3", "4", "5", "6", "7", "8", "9", ServiceMigrations.WIDE_ANSWERS_VERSION)
                : List.of("1", "2", "3", "4", "5", "6", "7", "8", "9"));
        if (mysqlFamily) {
            Migration wide = all.getLast();
            assertThat(wide.up()).contains("MODIFY body MEDIUMTEXT");
            assertThat(wide.down()).startsWith("DELETE FROM idempotency_keys WHERE LENGTH(body) > 65535;")
                    .contains("MODIFY body TEXT");
        }
    }
}
