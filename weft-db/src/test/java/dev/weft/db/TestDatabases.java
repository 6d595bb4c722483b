package dev.weft.db;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.UnaryOperator;

/**
 * The real servers the tests run against: PostgreSQL, MariaDB (MariaDB driver), the MySQL dialect on MariaDB
 * (MySQL Connector/J, which exercises emulated RETURNING) and SQLite on a temporary file. Hosts and ports can be
 * moved with WEFT_TEST_PG_PORT / WEFT_TEST_MARIADB_PORT. A server that does not answer fails the test (never a
 * skip), so a green run means the dialect was tested.
 */
public enum TestDatabases {
    POSTGRESQL, MARIADB, MYSQL, SQLITE;

    /** @return a config for this target with a small pool and short timeouts suited to tests */
    public DatabaseConfig config() {
        return config(UnaryOperator.identity());
    }

    /**
     * @param tweak adjusts the builder before it is built
     * @return a config for this target
     */
    public DatabaseConfig config(UnaryOperator<DatabaseConfig.Builder> tweak) {
        DatabaseConfig.Builder builder = switch (this) {
            case POSTGRESQL -> DatabaseConfig.builder(DatabaseType.POSTGRESQL).host("127.0.0.1")
                    .port(port("WEFT_TEST_PG_PORT", 5432)).database("test").username("postgres");
            case MARIADB -> DatabaseConfig.builder(DatabaseType.MARIADB).host("127.0.0.1")
                    .port(port("WEFT_TEST_MARIADB_PORT", 3306)).database("test").username("root");
            case MYSQL -> DatabaseConfig.builder(DatabaseType.MYSQL).host("127.0.0.1")
                    .port(port("WEFT_TEST_MARIADB_PORT", 3306)).database("test").username("root");
            case SQLITE -> DatabaseConfig.builder(DatabaseType.SQLITE).database(tempSqliteFile());
        };
        builder.name("test-" + name().toLowerCase(Locale.ROOT)).poolSize(4)
                .acquireTimeout(Duration.ofSeconds(10)).connectTimeout(Duration.ofSeconds(5));
        return tweak.apply(builder).build();
    }

    /** @return an open database for this target; the caller closes it */
    public Database open() {
        return Database.create(config());
    }

    /** @return a fresh table name, so tests never share a table */
    public static String table(String prefix) {
        return prefix + "_" + Long.toString(ThreadLocalRandom.current().nextLong(1L << 40), 36);
    }

    /** @return the DDL fragment for an auto-increment primary key column named id */
    public String autoId() {
        return switch (this) {
            case POSTGRESQL -> "id BIGSERIAL PRIMARY KEY";
            case MARIADB, MYSQL -> "id BIGINT AUTO_INCREMENT PRIMARY KEY";
            case SQLITE -> "id INTEGER PRIMARY KEY AUTOINCREMENT";
        };
    }

    /** @return the table options that follow the closing parenthesis of CREATE TABLE */
    public String tableOptions() {
        return this == MARIADB || this == MYSQL ? " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4" : "";
    }

    /** @return a text column type that holds megabytes */
    public String longTextType() {
        return this == MARIADB || this == MYSQL ? "LONGTEXT" : "TEXT";
    }

    /** @return the timestamp column type that holds an instant */
    public String timestampType() {
        return switch (this) {
            case POSTGRESQL -> "TIMESTAMPTZ";
            case MARIADB, MYSQL -> "DATETIME(6)";
            case SQLITE -> "TEXT";
        };
    }

    /** @return a query that runs for about {@code seconds} unless cancelled */
    public String sleepQuery(int seconds) {
        return switch (this) {
            case POSTGRESQL -> "SELECT pg_sleep(" + seconds + ")";
            case MARIADB, MYSQL -> "SELECT SLEEP(" + seconds + ")";
            // no sleep in SQLite: count an endless recursive sequence, which only an interrupt stops
            case SQLITE -> "WITH RECURSIVE seq(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM seq) "
                    + "SELECT count(*) FROM seq";
        };
    }

    private static int port(String variable, int fallback) {
        String value = System.getenv(variable);
        return value == null || value.isBlank() ? fallback : Integer.parseInt(value.trim());
    }

    private static String tempSqliteFile() {
        try {
            Path dir = Files.createTempDirectory("weft-sqlite-");
            dir.toFile().deleteOnExit();
            return dir.resolve("test.db").toString();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
