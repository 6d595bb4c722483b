package dev.weft.service.data;

import dev.weft.db.DatabaseType;
import dev.weft.db.migrate.ColumnTypes;
import dev.weft.db.migrate.Migration;
import dev.weft.db.migrate.MigrationSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * The service's schema as weft migrations, one SQL text per dialect: versions 1 to 5 (users, videos, model_usage,
 * idempotency_keys, settings). Later modules append versions 6 and up (the jobs table) through
 * {@link #source(DatabaseType, List)}; a version once released never changes. Version {@value #WIDE_ANSWERS_VERSION}
 * exists on MariaDB/MySQL only: their {@code TEXT} holds 65,535 bytes, too few for a stored batch answer.
 *
 * <p>Stateless and thread-safe.
 */
public final class ServiceMigrations {
    /** The highest base version (1 to 5); contributions start above it and skip {@link #WIDE_ANSWERS_VERSION}. */
    public static final int LAST_VERSION = 5;
    /**
     * The version that widens {@code idempotency_keys.body} to {@code MEDIUMTEXT} (16 MiB) on MariaDB/MySQL, so that
     * the answer of a {@code POST /users/batch} of 10,000 users can be kept for its replays; no such version on
     * PostgreSQL or SQLite, whose {@code TEXT} has no such limit. Reserved on every dialect: the jobs migrations
     * ({@code JobMigrations}) end at 9 and go on at 11.
     */
    public static final String WIDE_ANSWERS_VERSION = "10";

    private ServiceMigrations() {
    }

    /**
     * @param type the dialect
     * @return versions 1 to {@link #LAST_VERSION}
     */
    public static List<Migration> base(DatabaseType type) {
        ColumnTypes sql = ColumnTypes.of(Objects.requireNonNull(type, "type"));
        return List.of(users(sql), videos(sql), modelUsage(sql), idempotency(sql), settings(sql));
    }

    /**
     * @param type the dialect
     * @param contributions more migrations per dialect, each with versions above {@link #LAST_VERSION}
     * @return a source of the base migrations and the contributions
     */
    public static MigrationSource source(DatabaseType type, List<Function<DatabaseType, List<Migration>>> contributions) {
        List<Migration> all = new ArrayList<>(base(type));
        for (Function<DatabaseType, List<Migration>> contribution : contributions) {
            all.addAll(contribution.apply(type));
        }
        if (ColumnTypes.of(type).mysqlFamily()) {
            all.add(wideIdempotencyAnswers());
        }
        return MigrationSource.of(all);
    }

    private static Migration users(ColumnTypes sql) {
        String up = "CREATE TABLE users (\n"
                + "    " + sql.idColumn() + ",\n"
                + "    email VARCHAR(254) NOT NULL,\n"
                + "    username VARCHAR(64)" + sql.caseSensitive() + " NOT NULL,\n"
                + "    full_name VARCHAR(200),\n"
                + "    api_key_hash VARCHAR(64)" + sql.caseSensitive() + ",\n"
                + "    is_active " + sql.bool() + " NOT NULL DEFAULT " + sql.trueValue() + ",\n"
                + "    credits BIGINT NOT NULL DEFAULT 0,\n"
                + "    created_at " + sql.timestamp() + " NOT NULL,\n"
                + "    updated_at " + sql.timestamp() + " NOT NULL"
                + (sql.mysqlFamily() ? ",\n    email_lower VARCHAR(254) " + "CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"
                        + " GENERATED ALWAYS AS (LOWER(email)) STORED" : "")
                + ",\n    CONSTRAINT ck_users_credits CHECK (credits >= 0)\n"
                + ")" + sql.tableOptions() + ";\n"
                + (sql.mysqlFamily() ? "CREATE UNIQUE INDEX uq_users_email_lower ON users (email_lower);\n"
                        : "CREATE UNIQUE INDEX uq_users_email_lower ON users (lower(email));\n")
                + "CREATE UNIQUE INDEX uq_users_username ON users (username);\n"
                + "CREATE UNIQUE INDEX uq_users_api_key_hash ON users (api_key_hash);\n"
                + "CREATE INDEX idx_users_created_at ON users (created_at);";
        return new Migration("1", "create_users", "Users with hashed API keys and credits", up, "DROP TABLE users;");
    }

    private static Migration videos(ColumnTypes sql) {
        String up = "CREATE TABLE videos (\n"
                + "    video_id VARCHAR(64)" + sql.caseSensitive() + " NOT NULL PRIMARY KEY,\n"
                + "    user_id BIGINT NOT NULL,\n"
                + "    filename VARCHAR(512) NOT NULL,\n"
                + "    size_bytes BIGINT NOT NULL DEFAULT 0,\n"
                + "    status VARCHAR(32) NOT NULL DEFAULT 'queued',\n"
                + "    job_id VARCHAR(128),\n"
                + "    external_job_id VARCHAR(128),\n"
                + "    result_url TEXT,\n"
                + "    error TEXT,\n"
                + "    options TEXT,\n"
                + "    storage_path TEXT,\n"
                + "    processing_ms BIGINT,\n"
                + "    created_at " + sql.timestamp() + " NOT NULL,\n"
                + "    updated_at " + sql.timestamp() + " NOT NULL,\n"
                + "    CONSTRAINT fk_videos_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE\n"
                + ")" + sql.tableOptions() + ";\n"
                + "CREATE INDEX idx_videos_user_created ON videos (user_id, created_at);\n"
                + "CREATE INDEX idx_videos_status ON videos (status);";
        return new Migration("2", "create_videos", "Uploaded videos and their processing state", up,
                "DROP TABLE videos;");
    }

    private static Migration modelUsage(ColumnTypes sql) {
        String up = "CREATE TABLE model_usage (\n"
                + "    " + sql.idColumn() + ",\n"
                + "    user_id BIGINT NOT NULL,\n"
                + "    video_id VARCHAR(64)" + sql.caseSensitive() + ",\n"
                + "    model_type VARCHAR(64) NOT NULL,\n"
                + "    processing_ms BIGINT NOT NULL DEFAULT 0,\n"
                + "    memory_mb DOUBLE PRECISION,\n"
                + "    gpu_percent DOUBLE PRECISION,\n"
                + "    created_at " + sql.timestamp() + " NOT NULL,\n"
                + "    CONSTRAINT fk_model_usage_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE,\n"
                + "    CONSTRAINT fk_model_usage_video FOREIGN KEY (video_id) REFERENCES videos (video_id)"
                + " ON DELETE CASCADE\n"
                + ")" + sql.tableOptions() + ";\n"
                + "CREATE INDEX idx_model_usage_user_created ON model_usage (user_id, created_at);\n"
                + "CREATE INDEX idx_model_usage_created ON model_usage (created_at);\n"
                + "CREATE INDEX idx_model_usage_video ON model_usage (video_id);";
        return new Migration("3", "create_model_usage", "Model usage per processed video", up,
                "DROP TABLE model_usage;");
    }

    private static Migration idempotency(ColumnTypes sql) {
        String up = "CREATE TABLE idempotency_keys (\n"
                + "    principal VARCHAR(64)" + sql.caseSensitive() + " NOT NULL,\n"
                + "    idem_key VARCHAR(255)" + sql.caseSensitive() + " NOT NULL,\n"
                + "    request_hash VARCHAR(64) NOT NULL,\n"
                + "    status INTEGER NOT NULL,\n"
                + "    body TEXT,\n"
                + "    created_at " + sql.timestamp() + " NOT NULL,\n"
                + "    PRIMARY KEY (principal, idem_key)\n"
                + ")" + sql.tableOptions() + ";\n"
                + "CREATE INDEX idx_idempotency_created ON idempotency_keys (created_at);";
        return new Migration("4", "create_idempotency_keys", "Idempotency records, 24 hours per key and principal",
                up, "DROP TABLE idempotency_keys;");
    }

    private static Migration wideIdempotencyAnswers() {
        // MEDIUMTEXT, as the webhook payloads: a batch's answer is ~0.45 KB a user as the tests send them and at most
        // ~1.44 KB (the longest email, username and a full name of 200 four-byte characters), 10,000 users at most;
        // the charset and collation spelled out are the table's, which the column had. Going back forgets the
        // answers TEXT cannot hold (strict mode would refuse the narrowing): their keys run again if repeated.
        return new Migration(WIDE_ANSWERS_VERSION, "widen_idempotency_answers",
                "Idempotency answers up to 16 MiB (a batch of 10,000 users)",
                "ALTER TABLE idempotency_keys MODIFY body MEDIUMTEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
                        + " NULL;",
                "DELETE FROM idempotency_keys WHERE LENGTH(body) > 65535;\n"
                        + "ALTER TABLE idempotency_keys MODIFY body TEXT CHARACTER SET utf8mb4"
                        + " COLLATE utf8mb4_unicode_ci NULL;");
    }

    private static Migration settings(ColumnTypes sql) {
        String up = "CREATE TABLE settings (\n"
                + "    name VARCHAR(100)" + sql.caseSensitive() + " NOT NULL PRIMARY KEY,\n"
                + "    value TEXT NOT NULL,\n"
                + "    updated_at " + sql.timestamp() + " NOT NULL\n"
                + ")" + sql.tableOptions() + ";";
        return new Migration("5", "create_settings", "Service settings such as the admin key hash", up,
                "DROP TABLE settings;");
    }
}
