/**
 * weft-service: the weft HTTP service and its composition root.
 *
 * <p>{@link dev.weft.service.WeftService} starts the server over a {@link dev.weft.service.ServiceContext} (database,
 * caches, metrics, health checks) and the {@link dev.weft.service.RouteModule}s that add endpoints through
 * {@link dev.weft.service.Routes}. Handlers get an {@link dev.weft.service.Exchange} and throw weft exceptions or
 * {@link dev.weft.service.ProblemException}s; the edge turns every failure into {@code application/problem+json}.
 * Sub-packages: {@code http} (the server's plumbing), {@code data} (migrations and repositories), {@code users}
 * and {@code ops} (route modules), {@code cli} (the {@code weft} command).
 */
@NullMarked
package dev.weft.service;

import org.jspecify.annotations.NullMarked;
