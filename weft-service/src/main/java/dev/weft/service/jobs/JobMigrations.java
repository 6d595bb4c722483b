package dev.weft.service.jobs;

import dev.weft.db.DatabaseType;
import dev.weft.db.migrate.ColumnTypes;
import dev.weft.db.migrate.Migration;
import java.util.List;
import java.util.Objects;

/**
 * The {@code jobs} table, appended after the service's base migrations (version 6), and its trace columns (version
 * 7: {@code trace_parent}, the W3C {@code traceparent} of the submitting request's span, and its {@code request_id}),
 * and the event log (version 8: {@code video_events}, one row per video status change, written in the transaction
 * of the change, with {@code video_event_sequence}, the counter its ids come from; see
 * {@link dev.weft.service.data.VideoEventRepository}), and webhooks (version 9: {@code webhooks}, the outbox
 * {@code webhook_deliveries} written in the transaction of each event, {@code webhook_attempts}, and a job's
 * {@code callback_url} with its sealed signing secret; see {@link dev.weft.service.webhooks.DeliveryRepository}).
 * Times a worker compares
 * ({@code next_attempt_at}, {@code lease_expires_at}) are epoch milliseconds in {@code BIGINT}, so the claim query
 * compares numbers the same way on every dialect.
 *
 * <p>Stateless and thread-safe.
 */
public final class JobMigrations {
    /** The version of the migration that creates {@code jobs}. */
    public static final String VERSION = "6";
    /** The version of the migration that adds the submitting request's trace and id to {@code jobs}. */
    public static final String TRACE_VERSION = "7";
    /** The version of the migration that creates the event log {@code video_events} and its id counter. */
    public static final String EVENTS_VERSION = "8";
    /**
     * The version of the migration that creates the webhook tables ({@code webhooks}, the outbox
     * {@code webhook_deliveries}, {@code webhook_attempts}) and adds a job's {@code callback_url}.
     */
    public static final String WEBHOOKS_VERSION = "9";
    // 10 is ServiceMigrations.WIDE_ANSWERS_VERSION (MariaDB/MySQL only): the next jobs migration is 11

    private JobMigrations() {
    }

    /**
     * @param type the dialect
     * @return the jobs migrations for it
     */
    public static List<Migration> forDialect(DatabaseType type) {
        ColumnTypes sql = ColumnTypes.of(Objects.requireNonNull(type, "type"));
        String up = "CREATE TABLE jobs (\n"
                + "    job_id VARCHAR(64)" + sql.caseSensitive() + " NOT NULL PRIMARY KEY,\n"
                + "    video_id VARCHAR(64)" + sql.caseSensitive() + " NOT NULL,\n"
                + "    user_id BIGINT NOT NULL,\n"
                + "    state VARCHAR(16) NOT NULL,\n"
                + "    attempts INTEGER NOT NULL DEFAULT 0,\n"
                + "    next_attempt_at BIGINT NOT NULL,\n"
                + "    lease_owner VARCHAR(128),\n"
                + "    lease_expires_at BIGINT,\n"
                + "    cancel_requested INTEGER NOT NULL DEFAULT 0,\n"
                + "    provider_url TEXT,\n"
                + "    external_job_id VARCHAR(128),\n"
                + "    error TEXT,\n"
                + "    created_at " + sql.timestamp() + " NOT NULL,\n"
                + "    updated_at " + sql.timestamp() + " NOT NULL,\n"
                + "    finished_at " + sql.timestamp() + ",\n"
                + "    CONSTRAINT fk_jobs_video FOREIGN KEY (video_id) REFERENCES videos (video_id) ON DELETE CASCADE\n"
                + ")" + sql.tableOptions() + ";\n"
                + "CREATE INDEX idx_jobs_claim ON jobs (state, next_attempt_at);\n"
                + "CREATE INDEX idx_jobs_video ON jobs (video_id);";
        // nullable: jobs queued before this migration, and requests served without tracing, have none
        String trace = "ALTER TABLE jobs ADD COLUMN trace_parent VARCHAR(64);\n"
                + "ALTER TABLE jobs ADD COLUMN request_id VARCHAR(128);";
        // no foreign key to videos or users: one to users would make logging an event lock the user's row after the
        // event counter, while deleting a user locks the user first, then its videos and jobs: a deadlock with a
        // worker. UserRepository.delete deletes a user's events in the same transaction. Webhook deliveries will
        // reference event_id
        String events = "CREATE TABLE video_events (\n"
                + "    event_id BIGINT NOT NULL PRIMARY KEY,\n"
                + "    user_id BIGINT NOT NULL,\n"
                + "    video_id VARCHAR(64)" + sql.caseSensitive() + " NOT NULL,\n"
                + "    event_type VARCHAR(32) NOT NULL,\n"
                + "    payload " + (sql.mysqlFamily() ? "MEDIUMTEXT" : "TEXT") + " NOT NULL,\n"
                + "    created_at " + sql.timestamp() + " NOT NULL\n"
                + ")" + sql.tableOptions() + ";\n"
                + "CREATE INDEX idx_video_events_user ON video_events (user_id, event_id);\n"
                + "CREATE INDEX idx_video_events_video ON video_events (video_id, event_id);\n"
                + "CREATE INDEX idx_video_events_created ON video_events (created_at);\n"
                + "CREATE TABLE video_event_sequence (\n"
                + "    name VARCHAR(32)" + sql.caseSensitive() + " NOT NULL PRIMARY KEY,\n"
                + "    last_id BIGINT NOT NULL\n"
                + ")" + sql.tableOptions() + ";\n"
                + "INSERT INTO video_event_sequence (name, last_id) VALUES ('video_events', 0);";
        String webhooks = webhooks(sql);
        return List.of(new Migration(VERSION, "create_jobs",
                "Durable video jobs: step, attempts, backoff, lease, provider ids", up, "DROP TABLE jobs;"),
                new Migration(TRACE_VERSION, "add_job_trace",
                        "The W3C traceparent and X-Request-Id of the request that submitted each job", trace,
                        "ALTER TABLE jobs DROP COLUMN request_id;\nALTER TABLE jobs DROP COLUMN trace_parent;"),
                new Migration(EVENTS_VERSION, "create_video_events",
                        "The event log of video status changes, which event streams resume from", events,
                        "DROP TABLE video_event_sequence;\nDROP TABLE video_events;"),
                new Migration(WEBHOOKS_VERSION, "create_webhooks",
                        "Webhooks, their outbox of deliveries and attempts, and a job's callback_url", webhooks,
                        "ALTER TABLE jobs DROP COLUMN callback_secret_sealed;\n"
                                + "ALTER TABLE jobs DROP COLUMN callback_url;\n"
                                + "DROP TABLE webhook_attempts;\nDROP TABLE webhook_deliveries;\nDROP TABLE webhooks;"));
    }

    /**
     * Migration 9. No foreign keys, like {@code video_events}: an outbox insert runs after the event counter's lock
     * (see VideoEventRepository) and must not lock a user's or webhook's row after it; a user's delete removes its
     * webhooks and deliveries explicitly. Times a worker compares are epoch milliseconds in {@code BIGINT}.
     */
    private static String webhooks(ColumnTypes sql) {
        String id = sql.caseSensitive();
        return "CREATE TABLE webhooks (\n"
                + "    webhook_id VARCHAR(64)" + id + " NOT NULL PRIMARY KEY,\n"
                + "    user_id BIGINT NOT NULL,\n"
                + "    url TEXT NOT NULL,\n"
                + "    event_types VARCHAR(400) NOT NULL,\n"
                + "    description VARCHAR(200),\n"
                + "    secret_sealed TEXT NOT NULL,\n"
                + "    enabled INTEGER NOT NULL DEFAULT 1,\n"
                + "    disabled_reason VARCHAR(300),\n"
                + "    disabled_at " + sql.timestamp() + ",\n"
                + "    failing_since BIGINT,\n"
                + "    created_at " + sql.timestamp() + " NOT NULL,\n"
                + "    updated_at " + sql.timestamp() + " NOT NULL\n"
                + ")" + sql.tableOptions() + ";\n"
                + "CREATE INDEX idx_webhooks_user ON webhooks (user_id);\n"
                + "CREATE TABLE webhook_deliveries (\n"
                + "    delivery_id VARCHAR(64)" + id + " NOT NULL PRIMARY KEY,\n"
                + "    webhook_id VARCHAR(64)" + id + ",\n"
                + "    user_id BIGINT NOT NULL,\n"
                + "    video_id VARCHAR(64)" + id + ",\n"
                + "    url TEXT NOT NULL,\n"
                + "    secret_sealed TEXT,\n"
                + "    message_id VARCHAR(64)" + id + " NOT NULL,\n"
                + "    event_type VARCHAR(32) NOT NULL,\n"
                + "    payload " + (sql.mysqlFamily() ? "MEDIUMTEXT" : "TEXT") + " NOT NULL,\n"
                + "    state VARCHAR(16) NOT NULL,\n"
                + "    attempts INTEGER NOT NULL DEFAULT 0,\n"
                + "    next_attempt_at BIGINT NOT NULL,\n"
                + "    lease_owner VARCHAR(128),\n"
                + "    lease_expires_at BIGINT,\n"
                + "    last_status INTEGER,\n"
                + "    last_latency_ms INTEGER,\n"
                + "    last_error VARCHAR(300),\n"
                + "    created_at " + sql.timestamp() + " NOT NULL,\n"
                + "    delivered_at " + sql.timestamp() + "\n"
                + ")" + sql.tableOptions() + ";\n"
                + "CREATE INDEX idx_webhook_deliveries_claim ON webhook_deliveries (state, next_attempt_at);\n"
                + "CREATE INDEX idx_webhook_deliveries_webhook ON webhook_deliveries (webhook_id, created_at);\n"
                + "CREATE TABLE webhook_attempts (\n"
                + "    delivery_id VARCHAR(64)" + id + " NOT NULL,\n"
                + "    attempt INTEGER NOT NULL,\n"
                + "    started_at " + sql.timestamp() + " NOT NULL,\n"
                + "    status INTEGER,\n"
                + "    latency_ms INTEGER NOT NULL,\n"
                + "    outcome VARCHAR(16) NOT NULL,\n"
                + "    detail VARCHAR(300),\n"
                + "    PRIMARY KEY (delivery_id, attempt)\n"
                + ")" + sql.tableOptions() + ";\n"
                + "ALTER TABLE jobs ADD COLUMN callback_url TEXT;\n"
                + "ALTER TABLE jobs ADD COLUMN callback_secret_sealed TEXT;";
    }
}
