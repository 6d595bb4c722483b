/**
 * Generic repositories: create, read, update, delete, count and page the rows of one table as Java records,
 * on top of the public {@link dev.weft.db.Database} API.
 *
 * <ul>
 *   <li>{@link dev.weft.db.repository.Repository}: the operations, and the factories that create one.</li>
 *   <li>{@link dev.weft.db.repository.RepositoryConfig}: table, record type, id type and id component.</li>
 *   <li>{@link dev.weft.db.repository.OrderBy}: a sort column and direction, parsed from {@code "-created_at"}.</li>
 * </ul>
 *
 * <p>Every name that reaches SQL text (table, columns, sort column, filter fields) is one of the record's
 * columns, checked before anything is sent; every value is bound.
 */
@NullMarked
package dev.weft.db.repository;

import org.jspecify.annotations.NullMarked;
