/**
 * weft-db: one {@link dev.weft.db.Database} API over a HikariCP pool for PostgreSQL, MariaDB/MySQL and SQLite.
 *
 * <ul>
 *   <li>{@link dev.weft.db.DatabaseConfig}: built in code, from a URL or from {@code DATABASE_*} variables.</li>
 *   <li>{@link dev.weft.db.SqlOperations}: queries with {@code :name} parameters and timeouts, INSERT/UPDATE/DELETE
 *       with RETURNING on every dialect, batches, bulk inserts (COPY on PostgreSQL), streams, transactions.</li>
 *   <li>{@link dev.weft.db.AsyncDatabase}: the same as {@code CompletableFuture}s on virtual threads.</li>
 *   <li>{@link dev.weft.db.QueryMetrics}, {@link dev.weft.db.PoolStatus}: what ran and how the pool is doing.</li>
 *   <li>Errors: {@link dev.weft.db.DatabaseException} and its subtypes, all {@link dev.weft.core.WeftException}s.</li>
 * </ul>
 *
 * <p>{@code dev.weft.db.internal} is not API: it may change in any release.
 */
@NullMarked
package dev.weft.db;

import org.jspecify.annotations.NullMarked;
