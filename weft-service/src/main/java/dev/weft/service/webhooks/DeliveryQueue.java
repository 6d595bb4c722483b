package dev.weft.service.webhooks;

import dev.weft.db.Database;
import dev.weft.db.DatabaseType;
import dev.weft.db.SqlOperations;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The worker's SQL on the outbox: claim due deliveries with a lease, read one with its sealed secret, record an
 * attempt and the delivery's next state (guarded by the lease, as the job queue's writes are), and keep the
 * webhook's health ({@code failing_since}, disabling).
 *
 * <p>Thread-safe; every method blocks on the database.
 */
final class DeliveryQueue {
    /**
     * Due, pending, lease free or lapsed, and not of a disabled webhook (those wait, pending, until it is enabled
     * again); a deleted webhook's stray delivery is claimed and then cancelled.
     */
    private static final String CLAIMABLE = "d.state = 'pending' AND d.next_attempt_at <= :now"
            + " AND (d.lease_expires_at IS NULL OR d.lease_expires_at < :now)"
            + " AND (d.webhook_id IS NULL OR NOT EXISTS (SELECT 1 FROM webhooks w"
            + " WHERE w.webhook_id = d.webhook_id AND w.enabled = 0))";

    private final Database db;
    private final Clock clock;

    DeliveryQueue(Database db, Clock clock) {
        this.db = Objects.requireNonNull(db, "db");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * Leases up to {@code limit} due deliveries to {@code owner}. PostgreSQL and MariaDB take them with
     * {@code FOR UPDATE SKIP LOCKED}, so instances pass over each other's rows; SQLite (one writer) with a guarded
     * {@code UPDATE ... RETURNING}, one at a time.
     *
     * @return the ids claimed
     */
    List<String> claim(String owner, int limit, Duration lease) {
        long now = clock.millis();
        Map<String, Object> params = new HashMap<>();
        params.put("now", now);
        params.put("owner", owner);
        params.put("expires", now + lease.toMillis());
        if (db.type() == DatabaseType.SQLITE) {
            List<String> claimed = new ArrayList<>();
            for (int i = 0; i < limit; i++) {
                List<String> ids = db.query("UPDATE webhook_deliveries SET lease_owner = :owner,"
                        + " lease_expires_at = :expires WHERE delivery_id = (SELECT d.delivery_id"
                        + " FROM webhook_deliveries d WHERE " + CLAIMABLE + " ORDER BY d.next_attempt_at LIMIT 1)"
                        + " AND (lease_expires_at IS NULL OR lease_expires_at < :now) RETURNING delivery_id", params)
                        .list(String.class);
                if (ids.isEmpty()) {
                    break;
                }
                claimed.add(ids.getFirst());
            }
            return claimed;
        }
        return db.inTransaction(tx -> {
            List<String> ids = tx.query("SELECT d.delivery_id FROM webhook_deliveries d WHERE " + CLAIMABLE
                    + " ORDER BY d.next_attempt_at LIMIT :limit FOR UPDATE SKIP LOCKED",
                    Map.of("now", now, "limit", limit)).list(String.class);
            for (String id : ids) {
                tx.execute("UPDATE webhook_deliveries SET lease_owner = :owner, lease_expires_at = :expires"
                        + " WHERE delivery_id = :id", Map.of("owner", owner, "expires", now + lease.toMillis(),
                        "id", id));
            }
            return ids;
        });
    }

    /**
     * A claimed delivery with what sending it needs.
     *
     * @param sealed the callback's own sealed secret, or its webhook's
     * @param found the webhook's id as found in {@code webhooks}; {@code null} for a callback or a deleted webhook
     */
    record Claimed(String deliveryId, @Nullable String webhookId, long userId, String url, String messageId,
            String eventType, String payload, int attempts, Instant createdAt, @Nullable String sealed,
            @Nullable String found) {
        /** @return whether its webhook was deleted after it was queued */
        boolean webhookGone() {
            return webhookId != null && found == null;
        }
    }

    /**
     * A webhook's delivery goes to the webhook's current URL (a PATCH moves what is still pending); the URL copied
     * at enqueue is used only by a callback (no webhook) and by a deleted webhook's stray delivery.
     *
     * @return the delivery and its sealed secret
     */
    Optional<Claimed> load(String deliveryId) {
        return db.query("SELECT d.delivery_id, d.webhook_id, d.user_id, COALESCE(w.url, d.url) AS url, d.message_id,"
                + " d.event_type, d.payload, d.attempts, d.created_at,"
                + " COALESCE(d.secret_sealed, w.secret_sealed) AS sealed,"
                + " w.webhook_id AS found FROM webhook_deliveries d LEFT JOIN webhooks w"
                + " ON w.webhook_id = d.webhook_id WHERE d.delivery_id = :id", Map.of("id", deliveryId))
                .optional(Claimed.class);
    }

    /**
     * Whether the webhook may be sent to now: read again just before an attempt, because a 410 (or a PATCH) may
     * have disabled it after its delivery was claimed, and a disabled webhook must get nothing more.
     *
     * @return {@code false} if it is disabled; {@code true} if enabled or gone (a deleted one is cancelled later)
     */
    boolean enabled(String webhookId) {
        return db.query("SELECT enabled FROM webhooks WHERE webhook_id = :id", Map.of("id", webhookId))
                .list(Integer.class).stream().allMatch(enabled -> enabled != 0);
    }

    /**
     * Gives a claimed delivery back unsent, due when it was (its webhook was disabled after the claim: it waits,
     * pending and unclaimed, until the webhook is enabled again).
     *
     * @return whether it was still this owner's pending delivery
     */
    boolean release(String deliveryId, String owner) {
        return db.execute("UPDATE webhook_deliveries SET lease_owner = NULL, lease_expires_at = NULL"
                + " WHERE delivery_id = :id AND lease_owner = :owner AND state = 'pending'",
                Map.of("id", deliveryId, "owner", owner)) > 0;
    }

    /** The webhook was deleted: its delivery ends {@code cancelled}. */
    boolean cancel(String deliveryId, String owner) {
        return db.execute("UPDATE webhook_deliveries SET state = 'cancelled', lease_owner = NULL,"
                + " lease_expires_at = NULL WHERE delivery_id = :id AND lease_owner = :owner AND state = 'pending'",
                Map.of("id", deliveryId, "owner", owner)) > 0;
    }

    /**
     * An attempt that was not made (weft's own limit was full): due again at {@code nextAttemptAt}, the lease given
     * back, nothing else changed (no attempt row, attempts, last status or error, webhook health).
     *
     * @return whether it was still this owner's pending delivery
     */
    boolean defer(String deliveryId, String owner, long nextAttemptAt) {
        return db.execute("UPDATE webhook_deliveries SET next_attempt_at = :due, lease_owner = NULL,"
                + " lease_expires_at = NULL WHERE delivery_id = :id AND lease_owner = :owner AND state = 'pending'",
                Map.of("id", deliveryId, "owner", owner, "due", nextAttemptAt)) > 0;
    }

    /** What a recorded attempt leads to. */
    record Next(String state, long nextAttemptAt, @Nullable String disableReason) {
    }

    /**
     * Records one attempt and the delivery's next state in one transaction, guarded by the lease: a worker whose
     * lease lapsed (another took the delivery) or whose delivery was cancelled records nothing.
     *
     * @return whether it was recorded
     */
    boolean record(Claimed delivery, String owner, Instant startedAt, DeliveryResult result, Next next,
            Duration disableAfter) {
        long now = clock.millis();
        int attempt = delivery.attempts() + 1;
        return db.inTransaction(tx -> {
            Map<String, @Nullable Object> set = new LinkedHashMap<>();
            set.put("state", next.state());
            set.put("attempts", attempt);
            set.put("next_attempt_at", next.nextAttemptAt());
            set.put("last_status", result.status() == 0 ? null : result.status());
            set.put("last_latency_ms", (int) Math.min(Integer.MAX_VALUE, result.latencyMillis()));
            set.put("last_error", result.outcome() == DeliveryResult.Outcome.DELIVERED ? null
                    : clip(result.detail()));
            set.put("delivered_at", next.state().equals(Delivery.DELIVERED) ? clock.instant() : null);
            set.put("lease_owner", null);
            set.put("lease_expires_at", null);
            Map<String, Object> params = nonNull(set);
            params.put("id", delivery.deliveryId());
            params.put("guard_owner", owner);
            long changed = tx.execute("UPDATE webhook_deliveries SET " + assignments(set) + " WHERE delivery_id = :id"
                    + " AND lease_owner = :guard_owner AND state = 'pending'", params);
            if (changed == 0) {
                return false;
            }
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("delivery_id", delivery.deliveryId());
            row.put("attempt", attempt);
            row.put("started_at", startedAt);
            if (result.status() != 0) {
                row.put("status", result.status());
            }
            row.put("latency_ms", (int) Math.min(Integer.MAX_VALUE, result.latencyMillis()));
            row.put("outcome", result.outcome().name().toLowerCase(java.util.Locale.ROOT));
            row.put("detail", clip(result.detail()));
            tx.insert("webhook_attempts", row).execute();
            if (delivery.webhookId() != null) {
                health(tx, delivery.webhookId(), result.outcome(), now, next.disableReason(), disableAfter);
            }
            return true;
        });
    }

    /**
     * A success clears {@code failing_since}; a failure (a 410 too) sets it if unset and disables the webhook once every attempt
     * has failed for {@code disableAfter}; a 410 disables it at once.
     */
    private void health(SqlOperations tx, String webhookId, DeliveryResult.Outcome outcome, long now,
            @Nullable String goneReason, Duration disableAfter) {
        Instant at = clock.instant();
        switch (outcome) {
            case DELIVERED -> tx.execute("UPDATE webhooks SET failing_since = NULL WHERE webhook_id = :id"
                    + " AND failing_since IS NOT NULL", Map.of("id", webhookId));
            case GONE -> {
                // a 410 is a failed attempt too: failing_since is the first one since the last success
                tx.execute("UPDATE webhooks SET failing_since = :now WHERE webhook_id = :id"
                        + " AND failing_since IS NULL", Map.of("id", webhookId, "now", now));
                disable(tx, webhookId, goneReason == null ? "receiver answered 410 Gone" : goneReason, at, "");
            }
            case DEFERRED -> throw new IllegalArgumentException("a deferred attempt is not recorded");
            case FAILED, REFUSED -> {
                tx.execute("UPDATE webhooks SET failing_since = :now WHERE webhook_id = :id"
                        + " AND failing_since IS NULL", Map.of("id", webhookId, "now", now));
                Map<String, Object> params = new HashMap<>();
                params.put("cutoff", now - disableAfter.toMillis());
                disable(tx, webhookId, "every delivery attempt failed for " + human(disableAfter)
                        + " (the webhook is enabled again by PATCH enabled=true)", at,
                        " AND failing_since <= :cutoff", params);
            }
        }
    }

    private static void disable(SqlOperations tx, String webhookId, String reason, Instant at, String condition) {
        disable(tx, webhookId, reason, at, condition, new HashMap<>());
    }

    private static void disable(SqlOperations tx, String webhookId, String reason, Instant at, String condition,
            Map<String, Object> params) {
        params.put("id", webhookId);
        params.put("reason", clip(reason));
        params.put("at", at);
        tx.execute("UPDATE webhooks SET enabled = 0, disabled_reason = :reason, disabled_at = :at, updated_at = :at"
                + " WHERE webhook_id = :id AND enabled = 1" + condition, params);
    }

    private static String human(Duration duration) {
        long seconds = duration.toSeconds();
        return seconds % 3600 == 0 ? seconds / 3600 + " h" : seconds % 60 == 0 ? seconds / 60 + " min"
                : duration.toMillis() + " ms";
    }

    /** Columns hold at most 300 characters; the detail is already sanitised by the sender. */
    static String clip(String text) {
        return text.length() <= 300 ? text : text.substring(0, 297) + "...";
    }

    private static String assignments(Map<String, @Nullable Object> set) {
        StringBuilder out = new StringBuilder();
        set.forEach((column, value) -> out.append(out.isEmpty() ? "" : ", ").append(column)
                .append(value == null ? " = NULL" : " = :" + column));
        return out.toString();
    }

    private static Map<String, Object> nonNull(Map<String, @Nullable Object> values) {
        Map<String, Object> out = new HashMap<>();
        values.forEach((key, value) -> {
            if (value != null) {
                out.put(key, value);
            }
        });
        return out;
    }
}
