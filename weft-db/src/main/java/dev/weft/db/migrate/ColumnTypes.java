package dev.weft.db.migrate;

import dev.weft.db.DatabaseType;
import java.util.Objects;

/**
 * How a dialect spells the few column types, defaults and table options that portable migrations need, so one
 * migration text can be written once for PostgreSQL, MariaDB/MySQL and SQLite. Immutable and thread-safe.
 * {@snippet :
 * ColumnTypes sql = ColumnTypes.of(DatabaseType.POSTGRESQL);
 * String ddl = "CREATE TABLE notes (" + sql.idColumn() + ", body " + sql.text() + ", created_at "
 *         + sql.timestamp() + " NOT NULL DEFAULT " + sql.now() + ")" + sql.tableOptions();
 * }
 *
 * @param type the dialect
 */
public record ColumnTypes(DatabaseType type) {

    /** Checks the type. */
    public ColumnTypes {
        Objects.requireNonNull(type, "type");
    }

    /**
     * @param type the dialect
     * @return its spellings
     */
    public static ColumnTypes of(DatabaseType type) {
        return new ColumnTypes(type);
    }

    /** @return whether the dialect is MariaDB or MySQL */
    public boolean mysqlFamily() {
        return type == DatabaseType.MARIADB || type == DatabaseType.MYSQL;
    }

    /** @return an {@code id} column: a 64-bit, database-generated primary key */
    public String idColumn() {
        return switch (type) {
            case POSTGRESQL -> "id BIGSERIAL PRIMARY KEY";
            case MARIADB, MYSQL -> "id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY";
            case SQLITE -> "id INTEGER PRIMARY KEY AUTOINCREMENT";
        };
    }

    /** @return the type of an instant in UTC (SQLite stores weft's ISO-8601 text) */
    public String timestamp() {
        return switch (type) {
            case POSTGRESQL -> "TIMESTAMPTZ";
            case MARIADB, MYSQL -> "DATETIME(6)";
            case SQLITE -> "TEXT";
        };
    }

    /** @return the current instant, as a column default, in the form weft reads back */
    public String now() {
        return switch (type) {
            case POSTGRESQL -> "CURRENT_TIMESTAMP";
            // the session time zone weft sets is UTC, so this is UTC like the instants weft binds
            case MARIADB, MYSQL -> "CURRENT_TIMESTAMP(6)";
            // ISO-8601 UTC with milliseconds and Z, the form weft writes instants in
            case SQLITE -> "(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))";
        };
    }

    /** @return the boolean type (SQLite has none: 0/1 integers) */
    public String bool() {
        return type == DatabaseType.SQLITE ? "INTEGER" : "BOOLEAN";
    }

    /** @return the literal true in that boolean type */
    public String trueValue() {
        return type == DatabaseType.SQLITE ? "1" : "TRUE";
    }

    /**
     * @return {@code TEXT}: unbounded on PostgreSQL and SQLite, at most 65,535 bytes on MariaDB/MySQL (write
     *     {@code MEDIUMTEXT} or {@code LONGTEXT} there for longer values)
     */
    public String text() {
        return "TEXT";
    }

    /** @return the type of a JSON document (text where the dialect has no JSON type) */
    public String json() {
        return mysqlFamily() ? "JSON" : "TEXT";
    }

    /**
     * @return a column suffix that makes comparisons case- and accent-sensitive where the dialect's default
     *     collation folds them (MariaDB/MySQL), for keys and hashes; empty elsewhere
     */
    public String caseSensitive() {
        return mysqlFamily() ? " CHARACTER SET utf8mb4 COLLATE utf8mb4_bin" : "";
    }

    /** @return what follows {@code CREATE TABLE (...)}: InnoDB and utf8mb4 on MariaDB/MySQL, empty elsewhere */
    public String tableOptions() {
        return mysqlFamily() ? " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci" : "";
    }
}
