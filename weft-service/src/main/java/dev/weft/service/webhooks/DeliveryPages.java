package dev.weft.service.webhooks;

import dev.weft.db.Database;
import dev.weft.service.data.Page;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A webhook's deliveries page by page, optionally in one state: what {@code GET /webhooks/{webhook_id}/deliveries}
 * and {@code weft webhooks deliveries} list. Reads only; the outbox's writes are {@link DeliveryRepository}'s.
 *
 * <p>Thread-safe; every method blocks on the database.
 */
public final class DeliveryPages {
    private final Database db;

    /** @param db the database */
    public DeliveryPages(Database db) {
        this.db = Objects.requireNonNull(db, "db");
    }

    /**
     * @param webhookId the webhook
     * @param state only this state ({@link DeliveryRepository#STATES}), or {@code null} for all
     * @param page the page, ordered by one of {@link DeliveryRepository#ORDER_COLUMNS}
     * @return the page's deliveries
     * @throws IllegalArgumentException if the page orders by another column
     */
    public List<Delivery> list(String webhookId, @Nullable String state, Page page) {
        if (!DeliveryRepository.ORDER_COLUMNS.contains(page.orderBy())) {
            throw new IllegalArgumentException("deliveries cannot be ordered by " + page.orderBy());
        }
        Map<String, Object> params = new HashMap<>();
        String where = where(webhookId, state, params);
        params.put("limit", page.limit());
        params.put("offset", page.offset());
        String direction = page.descending() ? " DESC" : " ASC";
        // the column is one of ORDER_COLUMNS, so it is safe in the SQL; the id breaks ties so pages do not overlap
        return db.query("SELECT " + DeliveryRepository.COLUMNS + " FROM webhook_deliveries" + where + " ORDER BY "
                + page.orderBy() + direction + ", delivery_id" + direction + " LIMIT :limit OFFSET :offset", params)
                .list(Delivery.class);
    }

    /**
     * @param webhookId the webhook
     * @param state only this state, or {@code null} for all
     * @return how many deliveries match
     */
    public long count(String webhookId, @Nullable String state) {
        Map<String, Object> params = new HashMap<>();
        return db.query("SELECT COUNT(*) FROM webhook_deliveries" + where(webhookId, state, params), params)
                .one(Long.class);
    }

    private static String where(String webhookId, @Nullable String state, Map<String, Object> params) {
        params.put("webhook_id", Objects.requireNonNull(webhookId, "webhookId"));
        if (state == null) {
            return " WHERE webhook_id = :webhook_id";
        }
        params.put("state", state);
        return " WHERE webhook_id = :webhook_id AND state = :state";
    }
}
