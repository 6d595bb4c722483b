package dev.weft.db;

/**
 * What a database is, as the guides' {@code get_database_info} reports it.
 *
 * @param name the instance name
 * @param type {@code postgresql}, {@code mariadb}, {@code mysql} or {@code sqlite}
 * @param version the server's version string
 * @param tableCount tables in the current schema (database, for MariaDB/MySQL; the file, for SQLite)
 * @param urlRedacted the URL with any password replaced by {@code ****}
 */
public record DatabaseInfo(String name, String type, String version, long tableCount, String urlRedacted) {
}
