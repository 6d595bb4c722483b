/**
 * The durable video-job pipeline (DESIGN §5): the {@code jobs} table and its migrations, the claim queue
 * ({@code FOR UPDATE SKIP LOCKED} on PostgreSQL and MariaDB, a guarded {@code UPDATE ... RETURNING} on SQLite), and
 * the {@link dev.weft.service.jobs.JobEngine} whose virtual-thread workers drive each job through the provider one
 * recorded step at a time.
 */
@NullMarked
package dev.weft.service.jobs;

import org.jspecify.annotations.NullMarked;
