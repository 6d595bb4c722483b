package dev.weft.service;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.core.Secret;
import dev.weft.db.Database;
import dev.weft.service.data.SettingsRepository;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The {@code settings} table through {@link SettingsRepository} on SQLite, PostgreSQL and MariaDB. */
class SettingsRepositoryTest {
    private static final Instant T0 = Instant.parse("2024-05-01T10:00:00.123456Z");
    private static final Instant T1 = Instant.parse("2024-05-02T11:30:00.654321Z");

    private static ServiceContext open(TestBackends.Isolated database) {
        ServiceConfig config = ServiceConfig.defaults().withDataDir(database.dataDir())
                .withDatabase(database.config()).withAdminKey(Secret.of("k"));
        ServiceContext context = ServiceContext.open(config, Clock.systemUTC(), List.of(), false);
        context.migrations().migrate();
        return context;
    }

    private static Instant updatedAt(Database db, String name) {
        return db.query("SELECT updated_at FROM settings WHERE name = :name", Map.of("name", name))
                .one(Instant.class);
    }

    @ParameterizedTest
    @EnumSource(TestBackends.class)
    void putIfAbsentStoresOnceAndPutUpdatesOrInserts(TestBackends backend) {
        try (TestBackends.Isolated database = backend.isolate(); ServiceContext context = open(database)) {
            Database db = context.database();
            SettingsRepository first = new SettingsRepository(db, Clock.fixed(T0, ZoneOffset.UTC));
            SettingsRepository later = new SettingsRepository(db, Clock.fixed(T1, ZoneOffset.UTC));

            assertThat(first.get("colour")).isEmpty();
            assertThat(first.putIfAbsent("colour", "blue")).isTrue();
            assertThat(later.putIfAbsent("colour", "red")).isFalse();
            assertThat(later.get("colour")).contains("blue");
            assertThat(updatedAt(db, "colour")).isEqualTo(T0);

            later.put("colour", "green");
            later.put("size", "large");

            assertThat(first.get("colour")).contains("green");
            assertThat(updatedAt(db, "colour")).isEqualTo(T1);
            assertThat(first.get("size")).contains("large");
            assertThat(updatedAt(db, "size")).isEqualTo(T1);
            assertThat(first.get("Colour")).isEmpty();
            assertThat(first.removeIf("colour", "blue")).as("no longer its value").isFalse();
            assertThat(first.removeIf("colour", "green")).isTrue();
            assertThat(first.get("colour")).isEmpty();
        }
    }

    @ParameterizedTest
    @EnumSource(value = TestBackends.class, names = "SQLITE")
    void aGeneratedAdminKeyThatWasNeverShownIsForgottenAndTheNextStartGeneratesOne(TestBackends backend) {
        try (TestBackends.Isolated database = backend.isolate(); ServiceContext context = open(database)) {
            ApiKeys keys = context.apiKeys();
            context.database().execute("DELETE FROM settings WHERE name = :name", Map.of("name",
                    "admin_key_sha256"));
            String generated = keys.initAdmin(null).orElseThrow();
            assertThat(keys.authenticate(generated)).isPresent();

            // a start that failed after generating it (WeftService.start's catch)
            keys.forgetGenerated(generated);

            assertThat(keys.authenticate(generated)).isEmpty();
            assertThat(keys.initAdmin(null)).as("generated again, to be shown this time").isPresent();
        }
    }

    @ParameterizedTest
    @EnumSource(TestBackends.class)
    void readsARowWrittenWithPlainSql(TestBackends backend) {
        try (TestBackends.Isolated database = backend.isolate(); ServiceContext context = open(database)) {
            Database db = context.database();
            db.insert("settings", Map.of("name", "plain", "value", "v", "updated_at", T0)).execute();
            SettingsRepository settings = new SettingsRepository(db, Clock.fixed(T1, ZoneOffset.UTC));

            assertThat(settings.get("plain")).contains("v");
            settings.put("plain", "w");

            assertThat(db.query("SELECT value FROM settings WHERE name = 'plain'", Map.of()).one(String.class))
                    .isEqualTo("w");
        }
    }
}
