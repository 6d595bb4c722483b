package dev.weft.db;

import dev.weft.core.InvalidConfigException;
import java.util.Locale;

/** The database products weft speaks to, each with its own dialect. */
public enum DatabaseType {
    /** PostgreSQL through pgjdbc. */
    POSTGRESQL(5432),
    /** MySQL through MySQL Connector/J; RETURNING is emulated. */
    MYSQL(3306),
    /** MariaDB through MariaDB Connector/J; native RETURNING on INSERT and DELETE. */
    MARIADB(3306),
    /** SQLite through sqlite-jdbc; the database is a file path. */
    SQLITE(0);

    private final int defaultPort;

    DatabaseType(int defaultPort) {
        this.defaultPort = defaultPort;
    }

    /** @return the server's usual port, or 0 for SQLite */
    public int defaultPort() {
        return defaultPort;
    }

    /**
     * Parses a type name as the guides' {@code DATABASE_TYPE} gives it: {@code postgresql}, {@code postgres},
     * {@code mysql}, {@code mariadb}, {@code sqlite}, case-insensitive, with an optional {@code +driver}
     * suffix as in SQLAlchemy URLs ({@code postgresql+asyncpg}).
     *
     * @param setting the setting the text came from, for the error message
     * @param text the type name
     * @return the type
     * @throws InvalidConfigException for an unknown name
     */
    public static DatabaseType parse(String setting, String text) {
        String name = text.trim().toLowerCase(Locale.ROOT);
        int plus = name.indexOf('+');
        if (plus >= 0) {
            name = name.substring(0, plus);
        }
        return switch (name) {
            case "postgresql", "postgres", "pg" -> POSTGRESQL;
            case "mysql" -> MYSQL;
            case "mariadb" -> MARIADB;
            case "sqlite", "sqlite3" -> SQLITE;
            default -> throw new InvalidConfigException(setting, text, "must be one of postgresql, mysql, mariadb, sqlite");
        };
    }
}
