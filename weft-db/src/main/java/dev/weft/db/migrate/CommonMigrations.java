package dev.weft.db.migrate;

import dev.weft.db.DatabaseType;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The guides' common migrations ({@code CommonMigrations} there) for each dialect: the {@code users},
 * {@code videos} and {@code model_usage} tables with their indexes, up and down. Each down drops only its own
 * table, so the three roll back one by one (the guides' {@code drop_tables()} dropped all three at once).
 *
 * <p>Column types per dialect: PostgreSQL {@code BIGSERIAL}/{@code TIMESTAMPTZ}/{@code BOOLEAN}; MariaDB and
 * MySQL {@code BIGINT AUTO_INCREMENT}/{@code DATETIME(6)} (UTC, as weft binds instants)/{@code BOOLEAN}, InnoDB
 * and {@code utf8mb4}; SQLite {@code INTEGER PRIMARY KEY AUTOINCREMENT}, ISO-8601 {@code TEXT} time stamps and
 * {@code INTEGER} booleans. {@code videos.options} is JSON text: {@code TEXT} on PostgreSQL and SQLite (so weft
 * binds a {@code String} to it as is; change it to {@code JSONB} with a cast if you query into it), {@code JSON}
 * on MariaDB/MySQL.
 *
 * <p>A prefix ({@code usersTable(type, "t1_")}) names the tables {@code t1_users} and so on, for tests and for
 * several schemas in one database. Stateless and thread-safe.
 */
public final class CommonMigrations {
    private static final Pattern PREFIX = Pattern.compile("([a-z_][a-z0-9_]{0,40})?");

    private CommonMigrations() {
    }

    /**
     * @param type the dialect
     * @return the {@code users} table: id, email (unique), username (unique), full_name, api_key_hash,
     *     is_active, credits, created_at, updated_at
     */
    public static MigrationTemplate usersTable(DatabaseType type) {
        return usersTable(type, "");
    }

    /**
     * @param type the dialect
     * @param prefix a prefix of the table and index names: lower case letters, digits, {@code _}; may be empty
     * @return the {@code <prefix>users} table
     */
    public static MigrationTemplate usersTable(DatabaseType type, String prefix) {
        Dialect sql = new Dialect(type, prefix);
        String users = sql.table("users");
        String up = "CREATE TABLE " + users + " (\n"
                + "    " + sql.types().idColumn() + ",\n"
                + "    email VARCHAR(255) NOT NULL,\n"
                + "    username VARCHAR(100) NOT NULL,\n"
                + "    full_name VARCHAR(255),\n"
                + "    api_key_hash VARCHAR(255),\n"
                + "    is_active " + sql.types().bool() + " NOT NULL DEFAULT " + sql.types().trueValue() + ",\n"
                + "    credits BIGINT NOT NULL DEFAULT 0,\n"
                + "    created_at " + sql.types().timestamp() + " NOT NULL DEFAULT " + sql.types().now() + ",\n"
                + "    updated_at " + sql.types().timestamp() + " NOT NULL DEFAULT " + sql.types().now() + ",\n"
                + "    CONSTRAINT " + sql.name("uq_users_email") + " UNIQUE (email),\n"
                + "    CONSTRAINT " + sql.name("uq_users_username") + " UNIQUE (username)\n"
                + ")" + sql.types().tableOptions() + ";\n"
                + "CREATE INDEX " + sql.name("idx_users_api_key_hash") + " ON " + users + " (api_key_hash);\n"
                + "CREATE INDEX " + sql.name("idx_users_created_at") + " ON " + users + " (created_at);";
        return new MigrationTemplate("create_" + prefix + "users_table", "Create the " + users + " table", up,
                "DROP TABLE " + users + ";");
    }

    /**
     * @param type the dialect
     * @return the {@code videos} table: id, video_id (unique), user_id (references users), filename, size_bytes,
     *     status, job_id, external_job_id, result_url, error, options, processing_ms, created_at, updated_at
     */
    public static MigrationTemplate videosTable(DatabaseType type) {
        return videosTable(type, "");
    }

    /**
     * @param type the dialect
     * @param prefix a prefix of the table and index names, as for {@link #usersTable(DatabaseType, String)}
     * @return the {@code <prefix>videos} table, referencing {@code <prefix>users}
     */
    public static MigrationTemplate videosTable(DatabaseType type, String prefix) {
        Dialect sql = new Dialect(type, prefix);
        String videos = sql.table("videos");
        String up = "CREATE TABLE " + videos + " (\n"
                + "    " + sql.types().idColumn() + ",\n"
                + "    video_id VARCHAR(64) NOT NULL,\n"
                + "    user_id BIGINT NOT NULL,\n"
                + "    filename VARCHAR(512) NOT NULL,\n"
                + "    size_bytes BIGINT,\n"
                + "    status VARCHAR(32) NOT NULL DEFAULT 'queued',\n"
                + "    job_id VARCHAR(128),\n"
                + "    external_job_id VARCHAR(128),\n"
                + "    result_url " + sql.types().text() + ",\n"
                + "    error " + sql.types().text() + ",\n"
                + "    options " + sql.types().json() + ",\n"
                + "    processing_ms BIGINT,\n"
                + "    created_at " + sql.types().timestamp() + " NOT NULL DEFAULT " + sql.types().now() + ",\n"
                + "    updated_at " + sql.types().timestamp() + " NOT NULL DEFAULT " + sql.types().now() + ",\n"
                + "    CONSTRAINT " + sql.name("uq_videos_video_id") + " UNIQUE (video_id),\n"
                + "    CONSTRAINT " + sql.name("fk_videos_user") + " FOREIGN KEY (user_id) REFERENCES "
                + sql.table("users") + " (id) ON DELETE CASCADE\n"
                + ")" + sql.types().tableOptions() + ";\n"
                + "CREATE INDEX " + sql.name("idx_videos_user_id") + " ON " + videos + " (user_id);\n"
                + "CREATE INDEX " + sql.name("idx_videos_status") + " ON " + videos + " (status);\n"
                + "CREATE INDEX " + sql.name("idx_videos_created_at") + " ON " + videos + " (created_at);";
        return new MigrationTemplate("create_" + prefix + "videos_table", "Create the " + videos + " table", up,
                "DROP TABLE " + videos + ";");
    }

    /**
     * @param type the dialect
     * @return the {@code model_usage} table: id, user_id (references users), video_id (references videos),
     *     model_type, processing_ms, memory_mb, gpu_percent, created_at
     */
    public static MigrationTemplate modelUsageTable(DatabaseType type) {
        return modelUsageTable(type, "");
    }

    /**
     * @param type the dialect
     * @param prefix a prefix of the table and index names, as for {@link #usersTable(DatabaseType, String)}
     * @return the {@code <prefix>model_usage} table, referencing {@code <prefix>users} and {@code <prefix>videos}
     */
    public static MigrationTemplate modelUsageTable(DatabaseType type, String prefix) {
        Dialect sql = new Dialect(type, prefix);
        String usage = sql.table("model_usage");
        String up = "CREATE TABLE " + usage + " (\n"
                + "    " + sql.types().idColumn() + ",\n"
                + "    user_id BIGINT NOT NULL,\n"
                + "    video_id BIGINT,\n"
                + "    model_type VARCHAR(64) NOT NULL,\n"
                + "    processing_ms BIGINT,\n"
                + "    memory_mb DOUBLE PRECISION,\n"
                + "    gpu_percent DOUBLE PRECISION,\n"
                + "    created_at " + sql.types().timestamp() + " NOT NULL DEFAULT " + sql.types().now() + ",\n"
                + "    CONSTRAINT " + sql.name("fk_model_usage_user") + " FOREIGN KEY (user_id) REFERENCES "
                + sql.table("users") + " (id) ON DELETE CASCADE,\n"
                + "    CONSTRAINT " + sql.name("fk_model_usage_video") + " FOREIGN KEY (video_id) REFERENCES "
                + sql.table("videos") + " (id) ON DELETE SET NULL\n"
                + ")" + sql.types().tableOptions() + ";\n"
                + "CREATE INDEX " + sql.name("idx_model_usage_user_created") + " ON " + usage
                + " (user_id, created_at);\n"
                + "CREATE INDEX " + sql.name("idx_model_usage_video_id") + " ON " + usage + " (video_id);\n"
                + "CREATE INDEX " + sql.name("idx_model_usage_model_created") + " ON " + usage
                + " (model_type, created_at);";
        return new MigrationTemplate("create_" + prefix + "model_usage_table", "Create the " + usage
                + " table", up, "DROP TABLE " + usage + ";");
    }

    /**
     * @param type the dialect
     * @param prefix a prefix of the table names; may be empty
     * @return the three templates in dependency order: users, videos, model_usage
     */
    public static List<MigrationTemplate> all(DatabaseType type, String prefix) {
        return List.of(usersTable(type, prefix), videosTable(type, prefix), modelUsageTable(type, prefix));
    }

    /** A dialect and the templates' table prefix. */
    private record Dialect(DatabaseType type, String prefix) {
        Dialect {
            Objects.requireNonNull(type, "type");
            Objects.requireNonNull(prefix, "prefix");
            if (!PREFIX.matcher(prefix).matches()) {
                throw Migration.invalid(null, "table prefix '" + Migration.printable(prefix)
                        + "' must be up to 41 lower-case letters, digits or '_'");
            }
        }

        String table(String name) {
            return prefix + name;
        }

        /** Index and constraint names: prefixed too, since PostgreSQL and SQLite name them per schema. */
        String name(String name) {
            return prefix + name;
        }

        ColumnTypes types() {
            return ColumnTypes.of(type);
        }
    }
}
