package dev.weft.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.core.ConflictException;
import dev.weft.db.Database;
import dev.weft.db.DatabaseConfig;
import dev.weft.db.migrate.Migrations;
import dev.weft.service.data.IdempotencyRepository;
import dev.weft.service.data.ServiceMigrations;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link Idempotency} over a real SQLite database: what happens when the answer cannot be kept. */
class IdempotencyTest {
    @TempDir
    Path dir;
    private Database db;
    private Idempotency idempotency;
    private final AtomicInteger runs = new AtomicInteger();

    @BeforeEach
    void open() {
        db = Database.create(DatabaseConfig.sqlite(dir.resolve("idem.db").toString()));
        Migrations.runner(db, ServiceMigrations.source(db.type(), List.of())).migrate();
        idempotency = new Idempotency(new IdempotencyRepository(db, Clock.systemUTC()), Json.create());
    }

    @AfterEach
    void close() {
        db.close();
    }

    @Test
    void aRepeatGetsTheStoredAnswerWithoutTheWorkRunningAgain() {
        Idempotency.Request request = new Idempotency.Request("admin", "k1", "fp");

        Idempotency.Answer first = idempotency.run(request, this::work);
        Idempotency.Answer replay = idempotency.run(request, this::work);

        assertThat(runs).hasValue(1);
        assertThat(first.replayed()).isFalse();
        assertThat(replay.replayed()).isTrue();
        assertThat(replay.status()).isEqualTo(201);
        assertThat(replay.headers()).containsEntry("Location", "/things/1");
    }

    @Test
    void workDoneWhoseAnswerIsRefusedStillAnswersAndARepeatIsToldItIsLost() {
        Idempotency.Request request = new Idempotency.Request("admin", "k3", "fp");
        // the database refuses the answer (as MariaDB refuses one past max_allowed_packet), not the mark
        db.execute("CREATE TRIGGER refuse_answers BEFORE UPDATE OF body ON idempotency_keys"
                + " WHEN NEW.body IS NOT NULL BEGIN SELECT RAISE(ABORT, 'answer too large'); END", Map.of());

        Idempotency.Answer first = idempotency.run(request, this::work);

        assertThat(first.status()).isEqualTo(201);
        assertThat(first.replayed()).isFalse();
        assertThatThrownBy(() -> idempotency.run(request, this::work)).isInstanceOf(ConflictException.class)
                .extracting(failure -> ((ConflictException) failure).code()).isEqualTo("idempotency_answer_lost");
        assertThat(runs).hasValue(1);
    }

    @Test
    void workDoneWhoseAnswerCannotBeStoredNorMarkedIsNotDoneTwice() {
        Idempotency.Request request = new Idempotency.Request("admin", "k2", "fp");

        // the work succeeds, then the store of its answer fails, and so does the mark (the table is gone for now)
        Idempotency.Answer first = idempotency.run(request, () -> {
            db.execute("ALTER TABLE idempotency_keys RENAME TO idempotency_aside", Map.of());
            return work();
        });
        db.execute("ALTER TABLE idempotency_aside RENAME TO idempotency_keys", Map.of());

        assertThat(first.status()).isEqualTo(201);
        assertThat(first.replayed()).isFalse();
        assertThatThrownBy(() -> idempotency.run(request, this::work)).isInstanceOf(ConflictException.class)
                .extracting(failure -> ((ConflictException) failure).code()).isEqualTo("idempotency_in_progress");
        assertThat(runs).hasValue(1);
    }

    private Idempotency.Answer work() {
        runs.incrementAndGet();
        return new Idempotency.Answer(201, Map.of("id", 1), Map.of("Location", "/things/1"));
    }
}
