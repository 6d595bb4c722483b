/**
 * The service's data: its migrations ({@link dev.weft.service.data.ServiceMigrations}) on PostgreSQL, MariaDB/MySQL
 * and SQLite, and repositories with the guides' queries for users, videos, model usage, idempotency records and
 * settings. Repositories are thread-safe and block on the database.
 */
@NullMarked
package dev.weft.service.data;

import org.jspecify.annotations.NullMarked;
