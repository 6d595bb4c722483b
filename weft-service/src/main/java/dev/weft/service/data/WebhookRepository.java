package dev.weft.service.data;

import dev.weft.db.Database;
import dev.weft.db.SqlOperations;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The {@code webhooks} table (migration 9): registrations, their changes and their removal. The sealed signing secret
 * is written here and never read: no select of this class names it, so it cannot reach a response or a log by
 * accident (the delivery worker's claim query reads it, {@code DeliveryQueue}). Every write takes the {@link SqlOperations} it runs
 * on (the database, or the caller's open transaction).
 *
 * <p>Thread-safe; every method blocks on the database.
 */
public final class WebhookRepository {
    /** Columns {@code order_by} may name. */
    public static final Set<String> ORDER_COLUMNS = Set.of("webhook_id", "url", "enabled", "created_at",
            "updated_at");
    static final String COLUMNS = "webhook_id, user_id, url, event_types, description, enabled, disabled_reason,"
            + " disabled_at, failing_since, created_at, updated_at";
    private static final char[] ID_ALPHABET = "abcdefghijklmnopqrstuvwxyz234567".toCharArray();
    private static final int ID_CHARS = 20;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Database db;
    private final Clock clock;

    /**
     * @param db the database
     * @param clock the clock
     */
    public WebhookRepository(Database db, Clock clock) {
        this.db = Objects.requireNonNull(db, "db");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** @return a new webhook id: {@code wh_} and 20 random base32 characters (100 bits) */
    public static String newId() {
        StringBuilder id = new StringBuilder("wh_");
        for (int i = 0; i < ID_CHARS; i++) {
            id.append(ID_ALPHABET[RANDOM.nextInt(ID_ALPHABET.length)]);
        }
        return id.toString();
    }

    /**
     * A webhook to insert.
     *
     * @param userId the owner
     * @param url the checked URL
     * @param eventTypes the event types, comma-separated
     * @param description the note, or {@code null}
     * @param secretSealed the signing secret, sealed by the secret box
     */
    public record NewWebhook(long userId, String url, String eventTypes, @Nullable String description,
            String secretSealed) {
    }

    /**
     * @param ops the database or an open transaction
     * @param webhook the webhook
     * @return the stored row, enabled
     */
    public WebhookRow insert(SqlOperations ops, NewWebhook webhook) {
        Instant now = clock.instant();
        String id = newId();
        Map<String, @Nullable Object> row = new LinkedHashMap<>();
        row.put("webhook_id", id);
        row.put("user_id", webhook.userId());
        row.put("url", webhook.url());
        row.put("event_types", webhook.eventTypes());
        row.put("description", webhook.description());
        row.put("secret_sealed", webhook.secretSealed());
        row.put("enabled", 1);
        row.put("created_at", now);
        row.put("updated_at", now);
        ops.insert("webhooks", row).execute();
        return find(ops, id).orElseThrow();
    }

    /** @param webhookId the id @return the webhook */
    public Optional<WebhookRow> find(String webhookId) {
        return find(db, webhookId);
    }

    /** @param ops the database or an open transaction @param webhookId the id @return the webhook */
    public Optional<WebhookRow> find(SqlOperations ops, String webhookId) {
        return ops.query("SELECT " + COLUMNS + " FROM webhooks WHERE webhook_id = :id", Map.of("id", webhookId))
                .optional(WebhookRow.class);
    }

    /**
     * @param userId the owner, or {@code null} for every user
     * @param page the page
     * @return the page's webhooks
     */
    public List<WebhookRow> list(@Nullable Long userId, Page page) {
        Map<String, Object> params = new HashMap<>();
        String where = userId == null ? "" : " WHERE user_id = :user_id";
        if (userId != null) {
            params.put("user_id", userId);
        }
        params.put("limit", page.limit());
        params.put("offset", page.offset());
        return db.query("SELECT " + COLUMNS + " FROM webhooks" + where + page.orderSql("webhook_id")
                + " LIMIT :limit OFFSET :offset", params).list(WebhookRow.class);
    }

    /**
     * @param ops the database or an open transaction
     * @param userId the owner, or {@code null} for every user
     * @return how many webhooks there are
     */
    public long count(SqlOperations ops, @Nullable Long userId) {
        if (userId == null) {
            return ops.query("SELECT COUNT(*) FROM webhooks", Map.of()).one(Long.class);
        }
        return ops.query("SELECT COUNT(*) FROM webhooks WHERE user_id = :user_id", Map.of("user_id", userId))
                .one(Long.class);
    }

    /** @return how many webhooks are disabled (by their owner, the admin, or after failing too long), over every user */
    public long countDisabled() {
        return db.query("SELECT COUNT(*) FROM webhooks WHERE enabled = 0", Map.of()).one(Long.class);
    }

    /**
     * @param ops the database or an open transaction
     * @param webhookId the webhook
     * @param changes column to new value ({@code url, event_types, description, enabled, disabled_reason,
     *     disabled_at, failing_since, secret_sealed}); {@code null} values clear
     * @return the webhook as stored, or empty if there is none
     */
    public Optional<WebhookRow> update(SqlOperations ops, String webhookId, Map<String, @Nullable Object> changes) {
        Map<String, @Nullable Object> data = new LinkedHashMap<>(changes);
        data.put("updated_at", clock.instant());
        if (ops.update("webhooks", data, Map.of("webhook_id", webhookId)).execute().count() == 0) {
            return Optional.empty();
        }
        return find(ops, webhookId);
    }

    /**
     * Enables a webhook and forgets why it was disabled and how long it has been failing.
     *
     * @param ops the database or an open transaction
     * @param webhookId the webhook
     * @return the webhook as stored, or empty if there is none
     */
    public Optional<WebhookRow> enable(SqlOperations ops, String webhookId) {
        return update(ops, webhookId, enabling());
    }

    /** @return the column changes that enable a webhook: {@code enabled}, and its reason, time and failing cleared */
    public static Map<String, @Nullable Object> enabling() {
        Map<String, @Nullable Object> changes = new LinkedHashMap<>();
        changes.put("enabled", 1);
        changes.put("disabled_reason", null);
        changes.put("disabled_at", null);
        changes.put("failing_since", null);
        return changes;
    }

    /**
     * Deletes a webhook (its pending deliveries are the caller's to cancel, in the same transaction).
     *
     * @param ops an open transaction
     * @param webhookId the webhook
     * @return whether it existed
     */
    public boolean delete(SqlOperations ops, String webhookId) {
        return ops.delete("webhooks", Map.of("webhook_id", webhookId)).execute().count() > 0;
    }
}
