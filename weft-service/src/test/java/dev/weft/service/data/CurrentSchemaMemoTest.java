package dev.weft.service.data;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.db.Database;
import dev.weft.db.DatabaseConfig;
import dev.weft.db.migrate.MigrationRunner;
import dev.weft.db.migrate.Migrations;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CurrentSchemaMemoTest {
    @TempDir
    Path dir;

    private final AtomicLong nanos = new AtomicLong();

    @Test
    void aChangeThroughItIsSeenAtOnce() {
        try (Database db = Database.create(DatabaseConfig.sqlite(dir.resolve("s.db").toString()))) {
            CurrentSchemaMemo memo = new CurrentSchemaMemo(runner(db), nanos::get);
            memo.migrate();
            assertThat(memo.isCurrent()).isTrue();

            memo.rollback(1);

            assertThat(memo.isCurrent()).isFalse();
            memo.migrate();
            assertThat(memo.isCurrent()).isTrue();
        }
    }

    @Test
    void aChangeByAnotherRunnerIsSeenOnceTheAnswerIsOld() {
        try (Database db = Database.create(DatabaseConfig.sqlite(dir.resolve("s.db").toString()))) {
            CurrentSchemaMemo memo = new CurrentSchemaMemo(runner(db), nanos::get);
            memo.migrate();
            assertThat(memo.isCurrent()).isTrue();

            runner(db).rollback(1); // another instance, or `weft migrate down`

            assertThat(memo.isCurrent()).as("remembered").isTrue();
            nanos.addAndGet(CurrentSchemaMemo.REMEMBERED.toNanos() - 1);
            assertThat(memo.isCurrent()).as("still remembered").isTrue();
            nanos.addAndGet(1);
            assertThat(memo.isCurrent()).as("asked again").isFalse();
        }
    }

    @Test
    void neverRemembersThatTheSchemaIsBehind() {
        try (Database db = Database.create(DatabaseConfig.sqlite(dir.resolve("s.db").toString()))) {
            CurrentSchemaMemo memo = new CurrentSchemaMemo(runner(db), nanos::get);
            assertThat(memo.isCurrent()).isFalse();

            runner(db).migrate(); // another instance brings it up to date

            assertThat(memo.isCurrent()).isTrue();
        }
    }

    private static MigrationRunner runner(Database db) {
        return Migrations.runner(db, ServiceMigrations.source(db.type(), List.of()));
    }
}
