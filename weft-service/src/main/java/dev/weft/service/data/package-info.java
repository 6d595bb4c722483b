/**
 * The service's data: its migrations ({@link dev.weft.service.data.ServiceMigrations}) on PostgreSQL, MariaDB/MySQL
 * and SQLite, and repositories with the guides' queries for users, videos, model usage, idempotency records and
 * settings. Repositories are thread-safe and block on the database.
 *
 * <p><b>Transactions are passed explicitly.</b> A write that may be part of a use case's transaction (users,
 * videos, usage, jobs) takes the {@link dev.weft.db.SqlOperations} it runs on: the {@code tx} of the caller's
 * {@code db.inTransaction(tx -> ...)}, or the database for a single statement. No repository relies on weft-db
 * joining the transaction open on the calling thread (its ScopedValue), so what is atomic is visible at the call
 * site. Reads, and the single-statement bookkeeping of idempotency records and settings, run on the database.
 */
@NullMarked
package dev.weft.service.data;

import org.jspecify.annotations.NullMarked;
