package dev.weft.service.webhooks;

import dev.weft.db.Database;
import dev.weft.db.SqlOperations;
import dev.weft.service.data.Page;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;

/**
 * The outbox {@code webhook_deliveries} and its {@code webhook_attempts}, as the API and the dashboard see them:
 * a delivery, a webhook's deliveries page by page, a delivery's attempts, a manual retry, a test ping, counts by
 * state. Rows are written by {@link WebhookOutbox} (in the transaction of each status change) and moved along by
 * the {@link DeliveryWorker}.
 *
 * <p>Thread-safe; every method blocks on the database.
 */
public final class DeliveryRepository {
    /** The columns a page of deliveries may be ordered by ({@link Page#parse}). */
    public static final Set<String> ORDER_COLUMNS = Set.of("created_at", "next_attempt_at", "attempts", "state");
    /** The default order of a page: newest first. */
    public static final String DEFAULT_ORDER = "-created_at";
    /** Every delivery state, in the order {@link #countByState()} lists them. */
    public static final List<String> STATES = List.of(Delivery.PENDING, Delivery.DELIVERED, Delivery.FAILED,
            Delivery.CANCELLED);
    static final String COLUMNS = "delivery_id, webhook_id, user_id, video_id, url, message_id, event_type, payload,"
            + " state, attempts, next_attempt_at, last_status, last_latency_ms, last_error, created_at, delivered_at";

    private final Database db;
    private final Clock clock;

    /**
     * @param db the database (migrated to {@link dev.weft.service.jobs.JobMigrations#WEBHOOKS_VERSION})
     * @param clock the clock of {@code created_at} and {@code next_attempt_at}
     */
    public DeliveryRepository(Database db, Clock clock) {
        this.db = Objects.requireNonNull(db, "db");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * @param deliveryId a delivery
     * @return it, if it exists
     */
    public Optional<Delivery> find(String deliveryId) {
        Objects.requireNonNull(deliveryId, "deliveryId");
        return db.query("SELECT " + COLUMNS + " FROM webhook_deliveries WHERE delivery_id = :id",
                Map.of("id", deliveryId)).optional(Delivery.class);
    }

    /**
     * One page of a webhook's deliveries.
     *
     * @param webhookId the webhook
     * @param page the page; its column one of {@link #ORDER_COLUMNS} (the default, {@link #DEFAULT_ORDER}, is newest
     *     first)
     * @return the deliveries
     * @throws IllegalArgumentException if the page orders by another column
     */
    public List<Delivery> list(String webhookId, Page page) {
        Objects.requireNonNull(webhookId, "webhookId");
        if (!ORDER_COLUMNS.contains(page.orderBy())) {
            throw new IllegalArgumentException("deliveries cannot be ordered by " + page.orderBy());
        }
        String direction = page.descending() ? " DESC" : " ASC";
        // the column is one of ORDER_COLUMNS, so it is safe in the SQL; the id breaks ties so pages do not overlap
        return db.query("SELECT " + COLUMNS + " FROM webhook_deliveries WHERE webhook_id = :webhook_id ORDER BY "
                + page.orderBy() + direction + ", delivery_id" + direction + " LIMIT :limit OFFSET :offset",
                Map.of("webhook_id", webhookId, "limit", page.limit(), "offset", page.offset()))
                .list(Delivery.class);
    }

    /**
     * @param deliveryId a delivery
     * @return its attempts, first first; empty if none (or no such delivery)
     */
    public List<DeliveryAttempt> attempts(String deliveryId) {
        Objects.requireNonNull(deliveryId, "deliveryId");
        return db.query("SELECT delivery_id, attempt, started_at, status, latency_ms, outcome, detail"
                + " FROM webhook_attempts WHERE delivery_id = :id ORDER BY attempt", Map.of("id", deliveryId))
                .list(DeliveryAttempt.class);
    }

    /**
     * Puts a pending or failed delivery back in line, due now; its attempts so far are kept. A delivery in flight
     * keeps its lease (it is not sent twice at once). A retried delivery that fails again past
     * {@code WEFT_WEBHOOKS_RETRY_FOR} since its creation is failed again after that one attempt. Call
     * {@link DeliveryWorker#wakeUp()} after it, for an attempt within the second.
     *
     * @param deliveryId the delivery
     * @return false if there is no such delivery, or it was delivered or cancelled
     */
    public boolean retryNow(String deliveryId) {
        Objects.requireNonNull(deliveryId, "deliveryId");
        return db.execute("UPDATE webhook_deliveries SET state = :pending, next_attempt_at = :now"
                + " WHERE delivery_id = :id AND state IN (:pending, :failed)", Map.of("pending", Delivery.PENDING,
                "failed", Delivery.FAILED, "now", clock.millis(), "id", deliveryId)) > 0;
    }

    /**
     * Queues a {@code webhook.test} ping to a webhook, due now. Its body is
     * {@code {"type":"webhook.test","timestamp":"...","data":{"webhook_id":"wh_..."}}}, its message id
     * {@code msg_test_...}; it is signed with the webhook's secret like any delivery.
     *
     * @param webhookId the webhook
     * @param userId its owner
     * @param url its URL
     * @return the queued delivery
     */
    public Delivery enqueueTest(String webhookId, long userId, String url) {
        Objects.requireNonNull(webhookId, "webhookId");
        Objects.requireNonNull(url, "url");
        Instant now = clock.instant();
        String payload = "{\"type\":\"webhook.test\",\"timestamp\":\"" + now + "\",\"data\":{\"webhook_id\":"
                + jsonString(webhookId) + "}}";
        String deliveryId = newDeliveryId();
        insert(db, deliveryId, webhookId, userId, null, url, null,
                "msg_test_" + UUID.randomUUID().toString().replace("-", ""), "webhook.test", payload, now);
        return find(deliveryId).orElseThrow();
    }

    /**
     * Cancels a webhook's pending deliveries: call it in the transaction that deletes the webhook. A delivery in
     * flight finishes its attempt, and its result is then not recorded.
     *
     * @param tx the transaction deleting the webhook
     * @param webhookId the webhook
     * @return how many were cancelled
     */
    public static long cancelPending(SqlOperations tx, String webhookId) {
        return tx.execute("UPDATE webhook_deliveries SET state = :cancelled, lease_owner = NULL,"
                + " lease_expires_at = NULL WHERE webhook_id = :webhook_id AND state = :pending",
                Map.of("cancelled", Delivery.CANCELLED, "webhook_id", webhookId, "pending", Delivery.PENDING));
    }

    /** @return deliveries per state over every user, every state present (for the dashboard) */
    public Map<String, Long> countByState() {
        return counts(db.query("SELECT state, COUNT(*) AS n FROM webhook_deliveries GROUP BY state", Map.of())
                .list());
    }

    /**
     * @param webhookId a webhook
     * @return its deliveries per state, every state present
     */
    public Map<String, Long> countByState(String webhookId) {
        return counts(db.query("SELECT state, COUNT(*) AS n FROM webhook_deliveries WHERE webhook_id = :webhook_id"
                + " GROUP BY state", Map.of("webhook_id", webhookId)).list());
    }

    /**
     * The latest deliveries given up on, over every user (for the dashboard). A failed delivery's
     * {@code next_attempt_at} is when it failed, so the claim index ({@code state, next_attempt_at}) serves the order.
     *
     * @param limit how many at most
     * @return the failed deliveries, the latest failure first
     */
    public List<Delivery> recentFailures(int limit) {
        return db.query("SELECT " + COLUMNS + " FROM webhook_deliveries WHERE state = :failed"
                + " ORDER BY next_attempt_at DESC, delivery_id DESC LIMIT :limit",
                Map.of("failed", Delivery.FAILED, "limit", limit)).list(Delivery.class);
    }

    /** @return pending deliveries that are due now (the backlog the workers have not caught up with) */
    public long dueNow() {
        return db.query("SELECT COUNT(*) FROM webhook_deliveries WHERE state = :pending AND next_attempt_at <= :now",
                Map.of("pending", Delivery.PENDING, "now", clock.millis())).one(Long.class);
    }

    private static Map<String, Long> counts(List<Map<String, Object>> rows) {
        Map<String, Long> counts = new LinkedHashMap<>();
        STATES.forEach(state -> counts.put(state, 0L));
        Map<String, Long> others = new TreeMap<>();
        for (Map<String, Object> row : rows) {
            String state = String.valueOf(row.get("state"));
            long n = ((Number) Objects.requireNonNull(row.get("n"))).longValue();
            (counts.containsKey(state) ? counts : others).put(state, n);
        }
        counts.putAll(others);
        return counts;
    }

    /** @return a fresh delivery id */
    static String newDeliveryId() {
        return "dlv_" + UUID.randomUUID().toString().replace("-", "");
    }

    /** Inserts a pending delivery due at {@code createdAt}. */
    static void insert(SqlOperations ops, String deliveryId, @org.jspecify.annotations.Nullable String webhookId,
            long userId, @org.jspecify.annotations.Nullable String videoId, String url,
            @org.jspecify.annotations.Nullable String secretSealed, String messageId, String eventType,
            String payload, Instant createdAt) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("delivery_id", deliveryId);
        if (webhookId != null) {
            row.put("webhook_id", webhookId);
        }
        row.put("user_id", userId);
        if (videoId != null) {
            row.put("video_id", videoId);
        }
        row.put("url", url);
        if (secretSealed != null) {
            row.put("secret_sealed", secretSealed);
        }
        row.put("message_id", messageId);
        row.put("event_type", eventType);
        row.put("payload", payload);
        row.put("state", Delivery.PENDING);
        row.put("attempts", 0);
        row.put("next_attempt_at", createdAt.toEpochMilli());
        row.put("created_at", createdAt);
        ops.insert("webhook_deliveries", row).execute();
    }

    /** A JSON string literal of an id (ids are ASCII letters, digits and '_', so only quotes are needed). */
    private static String jsonString(String id) {
        return "\"" + id.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
