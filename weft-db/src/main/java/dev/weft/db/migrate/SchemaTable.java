package dev.weft.db.migrate;

import dev.weft.db.DatabaseType;
import dev.weft.db.SqlOperations;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/** The schema table of one runner: its DDL per dialect, and reading and writing its rows. */
final class SchemaTable {
    static final String STATE_APPLIED = "applied";
    static final String STATE_FAILED = "failed";
    private static final int TEXT_LIMIT = 1000;

    private final DatabaseType type;
    private final String table;

    SchemaTable(DatabaseType type, String table) {
        this.type = type;
        this.table = table;
    }

    /** One row: a migration applied, or failed part-way. */
    record Row(String version, String name, String checksum, String state, Instant appliedAt,
            @Nullable String errorCode, @Nullable String errorMessage) {
    }

    String createSql() {
        String timestamp = switch (type) {
            case POSTGRESQL -> "TIMESTAMPTZ";
            case MARIADB, MYSQL -> "DATETIME(6)";
            case SQLITE -> "TEXT";
        };
        String text = type == DatabaseType.SQLITE ? "TEXT" : "VARCHAR(" + TEXT_LIMIT + ")";
        String options = type == DatabaseType.MARIADB || type == DatabaseType.MYSQL
                ? " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4" : "";
        return "CREATE TABLE IF NOT EXISTS " + table + " ("
                + "version VARCHAR(64) NOT NULL PRIMARY KEY, "
                + "name VARCHAR(200) NOT NULL, "
                + "description " + text + " NOT NULL, "
                + "checksum VARCHAR(64) NOT NULL, "
                + "state VARCHAR(16) NOT NULL, "
                + "applied_at " + timestamp + " NOT NULL, "
                + "execution_ms BIGINT NOT NULL, "
                + "error_code VARCHAR(200), "
                + "error_message " + text + ")" + options;
    }

    boolean exists(SqlOperations sql) {
        String query = switch (type) {
            case POSTGRESQL -> "SELECT count(*) FROM information_schema.tables "
                    + "WHERE table_schema = current_schema() AND table_name = :name";
            case MARIADB, MYSQL -> "SELECT count(*) FROM information_schema.tables "
                    + "WHERE table_schema = DATABASE() AND table_name = :name";
            case SQLITE -> "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = :name";
        };
        return sql.query(query, Map.of("name", table)).one(Long.class) > 0;
    }

    void createIfMissing(SqlOperations sql) {
        if (!exists(sql)) {
            sql.execute(createSql());
        }
    }

    /** @return the rows by version; empty when the table does not exist */
    Map<String, Row> read(SqlOperations sql) {
        Map<String, Row> rows = new LinkedHashMap<>();
        List<Row> all = sql.query("SELECT version, name, checksum, state, applied_at, error_code, error_message FROM "
                + table, Map.of(), Row.class);
        for (Row row : all) {
            rows.put(row.version(), row);
        }
        return rows;
    }

    void insert(SqlOperations sql, Migration migration, String state, Instant at, long elapsedMs,
            @Nullable String errorCode, @Nullable String errorMessage) {
        Map<String, @Nullable Object> data = new LinkedHashMap<>();
        data.put("version", migration.version());
        data.put("name", migration.name());
        data.put("description", limit(migration.description()));
        data.put("checksum", migration.checksum());
        data.put("state", state);
        data.put("applied_at", at);
        data.put("execution_ms", elapsedMs);
        data.put("error_code", errorCode == null ? null : limit(errorCode, 200));
        data.put("error_message", errorMessage == null ? null : limit(errorMessage));
        sql.insert(table, data).execute();
    }

    void markApplied(SqlOperations sql, Migration migration, Instant at) {
        Map<String, @Nullable Object> data = new LinkedHashMap<>();
        data.put("name", migration.name());
        data.put("description", limit(migration.description()));
        data.put("checksum", migration.checksum());
        data.put("state", STATE_APPLIED);
        data.put("applied_at", at);
        data.put("error_code", null);
        data.put("error_message", null);
        sql.update(table, data, Map.of("version", migration.version())).execute();
    }

    void markFailed(SqlOperations sql, String version, String errorCode, String errorMessage) {
        Map<String, @Nullable Object> data = new LinkedHashMap<>();
        data.put("state", STATE_FAILED);
        data.put("error_code", limit(errorCode, 200));
        data.put("error_message", limit(errorMessage));
        sql.update(table, data, Map.of("version", version)).execute();
    }

    void acceptChecksum(SqlOperations sql, Migration migration) {
        sql.update(table, Map.of("checksum", migration.checksum(), "name", migration.name(),
                "description", limit(migration.description())), Map.of("version", migration.version())).execute();
    }

    void delete(SqlOperations sql, String version) {
        sql.delete(table, Map.of("version", version)).execute();
    }

    private static String limit(String text) {
        return limit(text, TEXT_LIMIT);
    }

    private static String limit(String text, int max) {
        return text.length() <= max ? text : text.substring(0, max - 3) + "...";
    }
}
