package dev.weft.service.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.db.DatabaseType;
import dev.weft.db.migrate.Migration;
import dev.weft.service.Features;
import dev.weft.service.ServiceConfig;
import dev.weft.service.ServiceContext;
import dev.weft.service.data.UserRepository;
import dev.weft.service.data.WebhookRepository;
import dev.weft.service.data.WebhookRow;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code weft webhooks list / deliveries / retry / enable} through the real command in a child JVM, over an SQLite
 * database a test context filled: the tables they print, what they change, and their exit codes.
 */
@Timeout(120)
class WebhooksCommandTest {
    @TempDir
    Path dir;
    Path data;
    WebhookRow webhook;
    WebhookRow disabled;
    long userId;

    @BeforeEach
    void fill() {
        data = dir.resolve("data");
        List<Function<DatabaseType, List<Migration>>> migrations = Features.standard().stream()
                .flatMap(feature -> feature.migrations().stream()).toList();
        try (ServiceContext context = ServiceContext.open(ServiceConfig.defaults().withDataDir(data),
                Clock.systemUTC(), migrations, false)) {
            context.migrations().migrate();
            userId = context.users().insert(context.database(), new UserRepository.NewUser("ada@example.com", "ada",
                    null, 0, "0".repeat(64))).id();
            WebhookRepository webhooks = new WebhookRepository(context.database(), Clock.systemUTC());
            webhook = webhooks.insert(context.database(), new WebhookRepository.NewWebhook(userId,
                    "https://hooks.example.com/weft", "video.completed,video.failed", "ci", "v1:sealed"));
            disabled = webhooks.insert(context.database(), new WebhookRepository.NewWebhook(userId,
                    "https://other.example.com/", "video.queued,video.uploading,video.processing,video.completed,"
                    + "video.failed,video.cancelled", null, "v1:sealed"));
            Map<String, Object> off = new HashMap<>();
            off.put("enabled", 0);
            off.put("disabled_reason", "receiver answered 410 Gone");
            off.put("failing_since", 1L);
            webhooks.update(context.database(), disabled.webhookId(), new HashMap<>(off));
            delivery(context, "dlv_failed1", webhook.webhookId(), "failed", 9, 503);
            delivery(context, "dlv_done1", webhook.webhookId(), "delivered", 1, 200);
        }
    }

    private void delivery(ServiceContext context, String id, String webhookId, String state, int attempts,
            int status) {
        Map<String, Object> row = new HashMap<>();
        row.put("delivery_id", id);
        row.put("webhook_id", webhookId);
        row.put("user_id", userId);
        row.put("url", "https://hooks.example.com/weft");
        row.put("message_id", "msg_" + id);
        row.put("event_type", "video.completed");
        row.put("payload", "{}");
        row.put("state", state);
        row.put("attempts", attempts);
        row.put("next_attempt_at", 0L);
        row.put("last_status", status);
        row.put("created_at", Instant.now());
        context.database().insert("webhook_deliveries", row).execute();
    }

    @Test
    void listPrintsEveryWebhookAsATableAndFiltersByUser() throws Exception {
        CliOutputTest.Result all = CliOutputTest.weft("webhooks", "list", "--data-dir", data.toString());
        CliOutputTest.Result nobody = CliOutputTest.weft("webhooks", "list", "--user", "999", "--data-dir",
                data.toString());

        assertThat(all.exit()).as(all.toString()).isZero();
        assertThat(all.stdout()).as(all.toString()).hasSize(3);
        assertThat(all.stdout().getFirst()).startsWith("WEBHOOK_ID").contains("ENABLED").contains("URL");
        assertThat(all.stdout()).anyMatch(line -> line.startsWith(webhook.webhookId()) && line.contains(" yes ")
                && line.contains("completed,failed") && line.contains("https://hooks.example.com/weft"));
        assertThat(all.stdout()).anyMatch(line -> line.startsWith(disabled.webhookId()) && line.contains(" no ")
                && line.contains(" all ") && line.endsWith("receiver answered 410 Gone"));
        assertThat(all.stderr()).containsExactly("weft: 2 of 2 webhooks");
        assertThat(nobody.exit()).isZero();
        assertThat(nobody.stdout()).hasSize(1);
    }

    @Test
    void deliveriesListsAWebhooksDeliveriesInOneState() throws Exception {
        CliOutputTest.Result failed = CliOutputTest.weft("webhooks", "deliveries", webhook.webhookId(), "--state",
                "failed", "--data-dir", data.toString());
        CliOutputTest.Result badState = CliOutputTest.weft("webhooks", "deliveries", webhook.webhookId(),
                "--state", "lost", "--data-dir", data.toString());
        CliOutputTest.Result missing = CliOutputTest.weft("webhooks", "deliveries", "wh_none", "--data-dir",
                data.toString());

        assertThat(failed.exit()).as(failed.toString()).isZero();
        assertThat(failed.stdout()).as(failed.toString()).hasSize(2);
        assertThat(failed.stdout().get(1)).startsWith("dlv_failed1").contains("video.completed").contains(" 9 ")
                .contains(" 503 ");
        assertThat(badState.exit()).isEqualTo(WeftCommand.USAGE);
        assertThat(missing.exit()).isEqualTo(WeftCommand.FAILED);
        assertThat(missing.stderr()).containsExactly("weft: no webhook wh_none");
    }

    @Test
    void retryQueuesAFailedDeliveryAndRefusesADeliveredOne() throws Exception {
        CliOutputTest.Result retried = CliOutputTest.weft("webhooks", "retry", "dlv_failed1", "--data-dir",
                data.toString());
        CliOutputTest.Result refused = CliOutputTest.weft("webhooks", "retry", "dlv_done1", "--data-dir",
                data.toString());

        assertThat(retried.exit()).as(retried.toString()).isZero();
        assertThat(retried.stdout()).containsExactly("queued dlv_failed1");
        assertThat(refused.exit()).isEqualTo(WeftCommand.FAILED);
        assertThat(refused.stderr()).containsExactly("weft: delivery dlv_done1 is delivered; only a pending or"
                + " failed one can be sent again");
        assertThat(state("dlv_failed1")).isEqualTo("pending");
    }

    @Test
    void enableClearsWhyAWebhookWasDisabled() throws Exception {
        CliOutputTest.Result enabled = CliOutputTest.weft("webhooks", "enable", disabled.webhookId(), "--data-dir",
                data.toString());
        CliOutputTest.Result missing = CliOutputTest.weft("webhooks", "enable", "wh_none", "--data-dir",
                data.toString());

        assertThat(enabled.exit()).as(enabled.toString()).isZero();
        assertThat(enabled.stdout()).containsExactly("enabled " + disabled.webhookId());
        assertThat(missing.exit()).isEqualTo(WeftCommand.FAILED);
        try (ServiceContext context = ServiceContext.open(ServiceConfig.defaults().withDataDir(data),
                Clock.systemUTC(), List.of(), false)) {
            WebhookRow row = new WebhookRepository(context.database(), Clock.systemUTC())
                    .find(disabled.webhookId()).orElseThrow();
            assertThat(row.enabled()).isTrue();
            assertThat(row.disabledReason()).isNull();
            assertThat(row.failingSince()).isNull();
        }
    }

    @Test
    void theToolsNeitherCreateNorMigrateADatabase() throws Exception {
        Path missing = dir.resolve("nonexistent").resolve("x");
        CliOutputTest.Result noFile = CliOutputTest.weft("webhooks", "list", "--data-dir", missing.toString());
        Path bare = dir.resolve("bare");
        try (ServiceContext context = ServiceContext.open(ServiceConfig.defaults().withDataDir(bare),
                Clock.systemUTC(), List.of(), false)) {
            context.database().execute("CREATE TABLE unrelated (id INTEGER)", Map.of());
        }
        CliOutputTest.Result unmigrated = CliOutputTest.weft("webhooks", "enable", "wh_none", "--data-dir",
                bare.toString());

        assertThat(noFile.exit()).as(noFile.toString()).isEqualTo(WeftCommand.CONFIG);
        assertThat(noFile.stderr()).as(noFile.toString()).hasSize(1);
        assertThat(noFile.stderr().getFirst()).startsWith("weft: there is no database at ");
        assertThat(java.nio.file.Files.exists(missing.resolve("weft.db"))).isFalse();
        assertThat(unmigrated.exit()).as(unmigrated.toString()).isEqualTo(WeftCommand.CONFIG);
        assertThat(unmigrated.stderr()).as(unmigrated.toString()).hasSize(1);
        assertThat(unmigrated.stderr().getFirst()).contains("migration 9 is not applied");
        try (ServiceContext context = ServiceContext.open(ServiceConfig.defaults().withDataDir(bare),
                Clock.systemUTC(), List.of(), false)) {
            assertThat(context.database().query("SELECT COUNT(*) FROM sqlite_master WHERE name = 'webhooks'",
                    Map.of()).one(Long.class)).as("not migrated").isZero();
        }
    }

    private String state(String deliveryId) {
        try (ServiceContext context = ServiceContext.open(ServiceConfig.defaults().withDataDir(data),
                Clock.systemUTC(), List.of(), false)) {
            return context.database().query("SELECT state FROM webhook_deliveries WHERE delivery_id = :id",
                    Map.of("id", deliveryId)).one(String.class);
        }
    }
}
