package dev.weft.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.core.Secret;
import dev.weft.db.ConstraintViolationException;
import dev.weft.db.migrate.MigrationState;
import dev.weft.db.migrate.MigrationStatus;
import dev.weft.service.data.Page;
import dev.weft.service.data.UsageRepository;
import dev.weft.service.data.UserRepository;
import dev.weft.service.data.UserRow;
import dev.weft.service.data.VideoStats;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Migrations and the repositories' queries on SQLite, PostgreSQL and MariaDB. */
class DataLayerTest {
    private static ServiceContext open(TestBackends.Isolated database) {
        ServiceConfig config = ServiceConfig.defaults().withDataDir(database.dataDir())
                .withDatabase(database.config()).withAdminKey(Secret.of("k"));
        ServiceContext context = ServiceContext.open(config, Clock.systemUTC(), List.of(), false);
        context.migrations().migrate();
        return context;
    }

    private static UserRow user(ServiceContext context, String name, long credits) {
        return context.users().insert(context.database(), new UserRepository.NewUser(name + "@Example.com", name,
                "Name ✓ 🎬", credits, ApiKeys.sha256(name)));
    }

    @ParameterizedTest
    @EnumSource(TestBackends.class)
    void migrationsApplyRollBackAndApplyAgain(TestBackends backend) {
        try (TestBackends.Isolated database = backend.isolate(); ServiceContext context = open(database)) {
            assertThat(context.migrations().isCurrent()).isTrue();

            // every version, including MariaDB's widened idempotency answers (10), whose down narrows them again
            context.migrations().rollback(context.migrations().status().size());
            List<MigrationStatus> rolledBack = context.migrations().status();
            context.migrations().migrate();

            assertThat(rolledBack).extracting(MigrationStatus::state).containsOnly(MigrationState.PENDING);
            assertThat(context.migrations().status()).extracting(MigrationStatus::state)
                    .containsOnly(MigrationState.APPLIED);
        }
    }

    @ParameterizedTest
    @EnumSource(TestBackends.class)
    void emailIsUniqueInAnyCaseAndUsernameExactly(TestBackends backend) {
        try (TestBackends.Isolated database = backend.isolate(); ServiceContext context = open(database)) {
            UserRow ada = user(context, "ada", 5);

            assertThatThrownBy(() -> context.users().insert(context.database(), new UserRepository.NewUser(
                    "ADA@example.COM", "other", null, 0, ApiKeys.sha256("x")))).isInstanceOf(
                    ConstraintViolationException.class);
            assertThatThrownBy(() -> context.users().insert(context.database(), new UserRepository.NewUser(
                    "new@example.com", "ada", null, 0, ApiKeys.sha256("y")))).isInstanceOf(
                    ConstraintViolationException.class);
            assertThat(context.users().getByEmail("aDa@EXAMPLE.com")).contains(ada);
            assertThat(context.users().getByApiKey(ApiKeys.sha256("ada"))).contains(ada);
            assertThat(ada.fullName()).isEqualTo("Name ✓ 🎬");
        }
    }

    @ParameterizedTest
    @EnumSource(TestBackends.class)
    void usersAreListedCountedStreamedAndActiveOnesFiltered(TestBackends backend) {
        try (TestBackends.Isolated database = backend.isolate(); ServiceContext context = open(database)) {
            UserRow ada = user(context, "ada", 5);
            UserRow bob = user(context, "bob", 50);
            context.users().update(context.database(), bob.id(), Map.of("is_active", false));

            assertThat(context.users().getActiveUsers(10, 0)).extracting(UserRow::id).containsExactly(ada.id());
            assertThat(context.users().list(new Page(10, 0, "credits", true), null)).extracting(UserRow::id)
                    .containsExactly(bob.id(), ada.id());
            assertThat(context.users().count(false)).isEqualTo(1);
            try (Stream<UserRow> all = context.users().stream(null)) {
                assertThat(all.count()).isEqualTo(2);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(TestBackends.class)
    void videoAndUsageQueriesAggregate(TestBackends backend) {
        try (TestBackends.Isolated database = backend.isolate(); ServiceContext context = open(database)) {
            UserRow ada = user(context, "ada", 5);
            context.videos().insert(context.database(), "v1", ada.id(), "a.mp4", 10, "{\"q\":1}", "/tmp/a", "j1");
            context.videos().insert(context.database(), "v2", ada.id(), "b.mp4", 20, null, null, null);
            context.videos().update(context.database(), "v1", Map.of("status", "completed", "processing_ms", 1000));
            context.videos().update(context.database(), "v2", Map.of("status", "processing"));
            context.usage().logUsage(context.database(), ada.id(), "v1", "upscale", 1000, 100.0, 50.0);
            context.usage().logUsage(context.database(), ada.id(), null, "upscale", 3000, 300.0, 70.0);
            context.usage().logUsage(context.database(), ada.id(), null, "denoise", 500, null, null);

            VideoStats stats = context.videos().getVideoStats(ada.id());
            List<UsageRepository.ModelStats> usage = context.usage().getUsageStats(30, null);
            List<UsageRepository.DailyUsage> daily = context.usage().getDailyUsage(7, ada.id());

            assertThat(context.videos().getByVideoId("v1").orElseThrow().options()).isEqualTo("{\"q\":1}");
            assertThat(context.videos().getUserVideos(ada.id(), "processing", new Page(10, 0, "created_at", false)))
                    .hasSize(1);
            assertThat(context.videos().getProcessingVideos(10)).extracting("videoId").containsExactly("v2");
            assertThat(stats.total()).isEqualTo(2);
            assertThat(stats.byStatus()).containsEntry("completed", 1L).containsEntry("processing", 1L);
            assertThat(stats.avgProcessingMs()).isEqualTo(1000.0);
            assertThat(usage).extracting(UsageRepository.ModelStats::modelType).containsExactly("denoise", "upscale");
            assertThat(usage.get(1).count()).isEqualTo(2);
            assertThat(usage.get(1).avgProcessingMs()).isEqualTo(2000.0);
            assertThat(usage.get(1).avgMemoryMb()).isEqualTo(200.0);
            assertThat(daily).hasSize(1);
            assertThat(daily.getFirst().count()).isEqualTo(3);
            assertThat(daily.getFirst().totalProcessingMs()).isEqualTo(4500);
            assertThat(daily.getFirst().date()).matches("\\d{4}-\\d{2}-\\d{2}");
            assertThat(context.users().getUserStats(ada.id()).orElseThrow().totalProcessingMs()).isEqualTo(4500);
        }
    }

    @ParameterizedTest
    @EnumSource(TestBackends.class)
    void deletingAUserCascadesToVideosAndUsage(TestBackends backend) {
        try (TestBackends.Isolated database = backend.isolate(); ServiceContext context = open(database)) {
            UserRow ada = user(context, "ada", 5);
            context.videos().insert(context.database(), "v1", ada.id(), "a.mp4", 10, null, null, null);
            context.usage().logUsage(context.database(), ada.id(), "v1", "upscale", 1000, 1.0, 1.0);

            assertThat(context.users().delete(context.database(), ada.id())).isTrue();

            assertThat(context.videos().getByVideoId("v1")).isEmpty();
            assertThat(context.usage().list(null, 10, 0)).isEmpty();
        }
    }

    @ParameterizedTest
    @EnumSource(TestBackends.class)
    void idempotencyKeysAreClaimedOncePerPrincipal(TestBackends backend) {
        try (TestBackends.Isolated database = backend.isolate(); ServiceContext context = open(database)) {
            assertThat(context.idempotency().claim("admin", "K", "h1")).isEmpty();
            assertThat(context.idempotency().claim("user:1", "K", "h2")).isEmpty();
            assertThat(context.idempotency().claim("admin", "k", "h3")).isEmpty();

            context.idempotency().complete("admin", "K", 201, "{}");

            assertThat(context.idempotency().claim("admin", "K", "h9").orElseThrow().status()).isEqualTo(201);
            assertThat(context.idempotency().claim("user:1", "K", "h9").orElseThrow().requestHash()).isEqualTo("h2");
        }
    }
}
