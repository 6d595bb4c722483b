package dev.weft.service.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.db.DatabaseType;
import dev.weft.db.migrate.Migration;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The {@code jobs} migration's SQL is pinned per dialect: databases that applied it checksum it, so a refactoring
 * (such as spelling its column types with weft-db's {@code ColumnTypes}) must not change one byte.
 */
class JobMigrationsTest {
    private static final Map<DatabaseType, String> APPLIED_SHA256 = Map.of(
            DatabaseType.POSTGRESQL, "fb499afdc2636a3a67395264e45f5e2719fcb78231c35a6f16612aa074742a3d",
            DatabaseType.MARIADB, "94527234da5340011a024958e44f937bb9e1f9a440d1056649d2b81369f876da",
            DatabaseType.MYSQL, "94527234da5340011a024958e44f937bb9e1f9a440d1056649d2b81369f876da",
            DatabaseType.SQLITE, "fd9d9c1439dfdafb710386793a9016e814d9649f2668a55e68a973ec1548b6de");

    @ParameterizedTest
    @EnumSource(DatabaseType.class)
    void theJobsMigrationIsByteForByteTheOneDatabasesApplied(DatabaseType type) throws NoSuchAlgorithmException {
        Migration jobs = JobMigrations.forDialect(type).getFirst();

        String sha256 = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                .digest(jobs.up().getBytes(StandardCharsets.UTF_8)));

        assertThat(jobs.version()).isEqualTo("6");
        assertThat(jobs.down()).isEqualTo("DROP TABLE jobs;");
        assertThat(sha256).as(jobs.up()).isEqualTo(APPLIED_SHA256.get(type));
    }

    @ParameterizedTest
    @EnumSource(DatabaseType.class)
    void theWebhooksMigrationComesLastAndItsDownUndoesItsUp(DatabaseType type) {
        List<Migration> all = JobMigrations.forDialect(type);
        Migration webhooks = all.getLast();

        assertThat(all).extracting(Migration::version).containsExactly("6", "7", "8", "9");
        assertThat(webhooks.version()).isEqualTo(JobMigrations.WEBHOOKS_VERSION);
        assertThat(webhooks.up()).contains("CREATE TABLE webhooks (", "CREATE TABLE webhook_deliveries (",
                "CREATE TABLE webhook_attempts (", "ADD COLUMN callback_url TEXT",
                "ADD COLUMN callback_secret_sealed TEXT", "idx_webhook_deliveries_claim ON webhook_deliveries"
                        + " (state, next_attempt_at)");
        assertThat(webhooks.up()).contains(type == DatabaseType.MARIADB || type == DatabaseType.MYSQL
                ? "payload MEDIUMTEXT NOT NULL" : "payload TEXT NOT NULL");
        assertThat(webhooks.down()).isEqualTo("ALTER TABLE jobs DROP COLUMN callback_secret_sealed;\n"
                + "ALTER TABLE jobs DROP COLUMN callback_url;\n"
                + "DROP TABLE webhook_attempts;\nDROP TABLE webhook_deliveries;\nDROP TABLE webhooks;");
    }
}
