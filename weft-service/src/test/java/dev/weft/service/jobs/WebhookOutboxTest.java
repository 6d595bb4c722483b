package dev.weft.service.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.weft.db.SqlOperations;
import dev.weft.service.data.Page;
import dev.weft.service.data.UserRepository;
import dev.weft.service.webhooks.Delivery;
import dev.weft.service.webhooks.DeliveryRepository;
import dev.weft.service.webhooks.WebhookOutbox;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Migration 9 and the outbox at the store, on every database: each status change writes one delivery per subscribed
 * webhook of the owner (a disabled one's too: they wait for it to be enabled) and one per job callback, in the change's transaction; the repository reads them.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class WebhookOutboxTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Clock CLOCK = Clock.systemUTC();

    @ParameterizedTest
    @EnumSource(JobDatabase.Target.class)
    void writesOneDeliveryPerSubscribedWebhookDisabledOnesTooAndOneForTheCallback(JobDatabase.Target target)
            throws Exception {
        try (JobDatabase jobs = JobDatabase.open(target)) {
            JobStore store = outboxStore(jobs);
            long user = jobs.user();
            long other = jobs.user();
            String all = webhook(jobs, user, "https://a.example/hook", String.join(",",
                    WebhookOutbox.VIDEO_EVENT_TYPES), true);
            String completedOnly = webhook(jobs, user, "https://b.example/hook", "video.completed", true);
            // disabled: its deliveries are written all the same and wait, pending, until it is enabled
            String disabled = webhook(jobs, user, "https://e.example/hook", "video.completed", false);
            String othersHook = webhook(jobs, other, "https://d.example/hook", "video.queued", true);

            String video = submit(jobs, store, user, new JobEngine.Callback("https://cb.example/x", "sealed-cb"));
            JobRow job = store.claim("w/0", Duration.ofSeconds(30)).orElseThrow();
            store.complete(job, "w/0", "local://results/1", null);

            List<Map<String, Object>> rows = jobs.db.query("SELECT webhook_id, url, secret_sealed, message_id,"
                    + " event_type, payload, state, video_id, user_id FROM webhook_deliveries ORDER BY event_type,"
                    + " url", Map.of()).list();
            assertThat(rows).extracting(row -> row.get("event_type") + " " + row.get("url")).containsExactly(
                    "video.completed https://a.example/hook", "video.completed https://b.example/hook",
                    "video.completed https://cb.example/x", "video.completed https://e.example/hook",
                    "video.queued https://a.example/hook",
                    "video.queued https://cb.example/x");
            assertThat(rows).allSatisfy(row -> {
                assertThat(row.get("state")).isEqualTo("pending");
                assertThat(row.get("video_id")).isEqualTo(video);
                assertThat(((Number) row.get("user_id")).longValue()).isEqualTo(user);
                assertThat(row.get("webhook_id")).isNotEqualTo(othersHook);
            });
            assertThat(rows).filteredOn(row -> row.get("webhook_id") == null)
                    .allSatisfy(row -> assertThat(row.get("secret_sealed")).isEqualTo("sealed-cb"));
            assertThat(rows).filteredOn(row -> row.get("webhook_id") != null)
                    .allSatisfy(row -> assertThat(row.get("secret_sealed")).isNull());
            Map<String, Object> completed = rows.getFirst();
            JsonNode body = MAPPER.readTree(String.valueOf(completed.get("payload")));
            assertThat(body.path("type").asText()).isEqualTo("video.completed");
            assertThat(Instant.parse(body.path("timestamp").asText())).isNotNull();
            assertThat(body.path("data").path("video_id").asText()).isEqualTo(video);
            assertThat(body.path("data").path("status").asText()).isEqualTo("completed");
            long eventId = jobs.db.query("SELECT MAX(event_id) FROM video_events WHERE video_id = :v",
                    Map.of("v", video)).one(Long.class);
            assertThat(completed.get("message_id")).isEqualTo("msg_" + eventId);
            assertThat(rows.get(1).get("message_id")).isEqualTo("msg_" + eventId);
            DeliveryRepository deliveries = new DeliveryRepository(jobs.db, CLOCK);
            assertThat(deliveries.list(completedOnly, page(10, 0))).hasSize(1);
            assertThat(deliveries.list(disabled, page(10, 0))).extracting(Delivery::state).containsExactly("pending");
            assertThat(deliveries.list(all, page(10, 0))).extracting(Delivery::eventType)
                    .containsExactly("video.completed", "video.queued");
        }
    }

    @ParameterizedTest
    @EnumSource(JobDatabase.Target.class)
    void aStatusChangeThatRollsBackWritesNoDelivery(JobDatabase.Target target) {
        try (JobDatabase jobs = JobDatabase.open(target)) {
            JobStore store = outboxStore(jobs);
            long user = jobs.user();
            webhook(jobs, user, "https://a.example/hook", String.join(",", WebhookOutbox.VIDEO_EVENT_TYPES), true);
            String video = submit(jobs, store, user, null);
            long queued = count(jobs);

            assertThatThrownBy(() -> jobs.db.inTransaction(tx -> {
                jobs.videos.update(tx, video, Map.of("status", "processing"));
                new dev.weft.service.data.VideoEventRepository(jobs.db, CLOCK, dev.weft.service.Json.create(),
                        new WebhookOutbox(CLOCK)).append(tx, video);
                assertThat(tx.query("SELECT COUNT(*) FROM webhook_deliveries", Map.of()).one(Long.class))
                        .isEqualTo(queued + 1);
                throw new IllegalStateException("the change failed after its writes");
            })).isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(() -> jobs.db.inTransaction(tx -> {
                String other = "vid_" + UUID.randomUUID().toString().replace("-", "");
                String jobId = JobEngine.newJobId();
                jobs.videos.insert(tx, other, user, "clip.mp4", 3, null, null, jobId);
                store.insert(tx, jobId, other, user, null, null,
                        new JobEngine.Callback("https://cb.example/x", "sealed"));
                throw new IllegalStateException("the submission failed after its writes");
            })).isInstanceOf(IllegalStateException.class);

            assertThat(queued).isEqualTo(1);
            assertThat(count(jobs)).isEqualTo(queued);
            assertThat(jobs.video(video).status()).isEqualTo("queued");
        }
    }

    @ParameterizedTest
    @EnumSource(JobDatabase.Target.class)
    void theRepositoryPagesNewestFirstRetriesPingsAndCounts(JobDatabase.Target target) {
        try (JobDatabase jobs = JobDatabase.open(target)) {
            JobStore store = outboxStore(jobs);
            DeliveryRepository deliveries = new DeliveryRepository(jobs.db, CLOCK);
            long user = jobs.user();
            String hook = webhook(jobs, user, "https://a.example/hook", "video.queued", true);
            for (int i = 0; i < 5; i++) {
                submit(jobs, store, user, null);
            }
            Delivery ping = deliveries.enqueueTest(hook, user, "https://a.example/hook");
            jobs.db.execute("UPDATE webhook_deliveries SET state = 'failed' WHERE delivery_id = :id",
                    Map.of("id", ping.deliveryId()));

            List<Delivery> first = deliveries.list(hook, page(4, 0));
            List<Delivery> second = deliveries.list(hook, page(4, 4));
            boolean retried = deliveries.retryNow(ping.deliveryId());

            assertThat(first).hasSize(4);
            assertThat(second).hasSize(2);
            assertThat(first.getFirst().deliveryId()).isEqualTo(ping.deliveryId());
            assertThat(first.getFirst().messageId()).startsWith("msg_test_");
            assertThat(first.getFirst().eventType()).isEqualTo("webhook.test");
            assertThat(first.getFirst().payload()).contains("\"webhook_id\":\"" + hook + "\"");
            assertThat(concat(first, second)).extracting(Delivery::createdAt).isSortedAccordingTo(
                    java.util.Comparator.reverseOrder());
            assertThat(concat(first, second)).extracting(Delivery::deliveryId).doesNotHaveDuplicates();
            assertThat(retried).isTrue();
            assertThat(deliveries.find(ping.deliveryId()).orElseThrow().state()).isEqualTo("pending");
            assertThat(deliveries.find("dlv_none")).isEmpty();
            assertThat(deliveries.attempts(ping.deliveryId())).isEmpty();
            assertThat(deliveries.countByState()).containsEntry("pending", 6L).containsEntry("delivered", 0L)
                    .containsEntry("failed", 0L).containsEntry("cancelled", 0L);
            long cancelled = jobs.db.inTransaction(tx -> DeliveryRepository.cancelPending(tx, hook));
            assertThat(cancelled).isEqualTo(6);
            assertThat(deliveries.countByState(hook)).containsEntry("cancelled", 6L).containsEntry("pending", 0L);
            assertThat(deliveries.retryNow(ping.deliveryId())).isFalse();
        }
    }

    @ParameterizedTest
    @EnumSource(JobDatabase.Target.class)
    void deletingAUserDeletesItsWebhooksDeliveriesAndAttempts(JobDatabase.Target target) {
        try (JobDatabase jobs = JobDatabase.open(target)) {
            JobStore store = outboxStore(jobs);
            UserRepository users = new UserRepository(jobs.db, CLOCK);
            long gone = jobs.user();
            long kept = jobs.user();
            webhook(jobs, gone, "https://a.example/hook", "video.queued", true);
            String keptHook = webhook(jobs, kept, "https://b.example/hook", "video.queued", true);
            submit(jobs, store, gone, null);
            submit(jobs, store, kept, null);
            jobs.db.execute("INSERT INTO webhook_attempts (delivery_id, attempt, started_at, latency_ms, outcome)"
                    + " SELECT delivery_id, 1, created_at, 5, 'failed' FROM webhook_deliveries", Map.of());

            boolean deleted = jobs.db.inTransaction(tx -> users.delete(tx, gone));

            assertThat(deleted).isTrue();

            assertThat(jobs.db.query("SELECT webhook_id FROM webhooks", Map.of()).list(String.class))
                    .containsExactly(keptHook);
            assertThat(jobs.db.query("SELECT user_id FROM webhook_deliveries", Map.of()).list(Long.class))
                    .containsExactly(kept);
            assertThat(jobs.db.query("SELECT COUNT(*) FROM webhook_attempts", Map.of()).one(Long.class))
                    .isEqualTo(1);
        }
    }

    @ParameterizedTest
    @EnumSource(JobDatabase.Target.class)
    void migrationNineRollsBackAndAppliesAgain(JobDatabase.Target target) {
        try (JobDatabase jobs = JobDatabase.open(target)) {
            var runner = dev.weft.db.migrate.Migrations.runner(jobs.db, dev.weft.service.data.ServiceMigrations
                    .source(jobs.db.type(), List.of(JobMigrations::forDialect)));

            runner.rollback(JobMigrations.WEBHOOKS_VERSION);
            assertThatThrownBy(() -> jobs.db.query("SELECT COUNT(*) FROM webhook_deliveries", Map.of())
                    .one(Long.class)).isInstanceOf(RuntimeException.class);
            runner.migrate();

            assertThat(runner.isCurrent()).isTrue();
            assertThat(count(jobs)).isZero();
            assertThat(jobs.db.query("SELECT COUNT(*) FROM jobs WHERE callback_url IS NOT NULL", Map.of())
                    .one(Long.class)).isZero();
        }
    }

    private static JobStore outboxStore(JobDatabase jobs) {
        return new JobStore(jobs.db, jobs.videos, jobs.usage, CLOCK, new WebhookOutbox(CLOCK));
    }

    private static Page page(int limit, long offset) {
        return new Page(limit, offset, "created_at", true);
    }

    private static List<Delivery> concat(List<Delivery> first, List<Delivery> second) {
        return java.util.stream.Stream.concat(first.stream(), second.stream()).toList();
    }

    private static long count(JobDatabase jobs) {
        return jobs.db.query("SELECT COUNT(*) FROM webhook_deliveries", Map.of()).one(Long.class);
    }

    /** Registers a webhook the way the API will (hookapi's repository), straight in the table. */
    static String webhook(JobDatabase jobs, long userId, String url, String eventTypes, boolean enabled) {
        return webhook(jobs.db, userId, url, eventTypes, enabled, "sealed-" + url);
    }

    static String webhook(SqlOperations db, long userId, String url, String eventTypes, boolean enabled,
            String secretSealed) {
        String id = "wh_" + UUID.randomUUID().toString().replace("-", "").substring(0, 20);
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("webhook_id", id);
        row.put("user_id", userId);
        row.put("url", url);
        row.put("event_types", eventTypes);
        row.put("secret_sealed", secretSealed);
        row.put("enabled", enabled ? 1 : 0);
        row.put("created_at", Instant.now());
        row.put("updated_at", Instant.now());
        db.insert("webhooks", row).execute();
        return id;
    }

    private static String submit(JobDatabase jobs, JobStore store, long userId,
            JobEngine.@Nullable Callback callback) {
        String videoId = "vid_" + UUID.randomUUID().toString().replace("-", "");
        jobs.db.inTransaction(tx -> {
            String jobId = JobEngine.newJobId();
            jobs.videos.insert(tx, videoId, userId, "clip.mp4", 3, null, null, jobId);
            store.insert(tx, jobId, videoId, userId, null, null, callback);
            return jobId;
        });
        return videoId;
    }
}
